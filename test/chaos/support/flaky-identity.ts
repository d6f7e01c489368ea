import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * An identity service (Formgate's own protocol) that a test can take down and bring back, always on the
 * same loopback port, so Formgate keeps its configured `--auth-url` through the outage:
 *
 * - `up`:   every token is valid; the answer names `ttlS` as its lifetime;
 * - `503`:  every call gets 503 with `Retry-After`;
 * - `hang`: calls are read and never answered (Formgate's `--auth-timeout` ends them);
 * - `down`: the port is closed and every open connection is cut, so calls are refused.
 *
 * Each 200 it sends is recorded with the time and the `x-request-id` Formgate forwarded, so a test knows
 * which of its requests made Formgate cache a token, and when.
 */

export type Mode = 'up' | '503' | 'hang' | 'down';

export interface Vouch {
  readonly token: string;
  readonly requestId: string | undefined;
  /** When the answer was written (ms since the epoch); Formgate cached it no earlier than this. */
  readonly at: number;
}

export interface FlakyIdentity {
  readonly url: string;
  readonly healthUrl: string;
  readonly vouches: Vouch[];
  /** How many validation calls arrived in each mode. */
  readonly calls: Record<Mode, number>;
  mode(): Mode;
  /** Switches mode; resolves once the switch is complete (port closed or open again). */
  setMode(mode: Mode): Promise<void>;
  close(): Promise<void>;
}

export async function startFlakyIdentity(options: { ttlS: number; retryAfterS: number }): Promise<FlakyIdentity> {
  let mode: Mode = 'up';
  const vouches: Vouch[] = [];
  const calls: Record<Mode, number> = { up: 0, '503': 0, hang: 0, down: 0 };
  const sockets = new Set<Socket>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/healthz') {
        if (mode === 'up') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"pass"}');
        if (mode === '503') return void res.writeHead(503).end();
        return; // hang
      }
      calls[mode]++;
      if (mode === 'hang') return; // the socket is cut when the mode changes or the server closes
      if (mode !== 'up') return void res.writeHead(503, { 'retry-after': String(options.retryAfterS) }).end();
      const token = readToken(Buffer.concat(chunks).toString('utf8'));
      if (token === undefined) return void res.writeHead(400).end();
      const requestId = req.headers['x-request-id'];
      vouches.push({ token, requestId: typeof requestId === 'string' ? requestId : undefined, at: Date.now() });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ userId: `user-${token}`, ttl: options.ttlS }));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const listen = (port: number) => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const cutAll = () => sockets.forEach((s) => s.destroy());
  const closePort = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      cutAll();
    });

  await listen(0);
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/validate`,
    healthUrl: `${origin}/healthz`,
    vouches,
    calls,
    mode: () => mode,
    async setMode(next) {
      const previous = mode;
      mode = next;
      // Calls held by `hang` would otherwise wait for Formgate to give up on them.
      if (previous === 'hang') cutAll();
      if (next === 'down') await closePort();
      else if (!server.listening) await listen(port);
    },
    close: closePort,
  };
}

function readToken(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { token?: unknown };
    return typeof parsed.token === 'string' ? parsed.token : undefined;
  } catch {
    return undefined;
  }
}
