import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP identity service on 127.0.0.1, scripted per test: what it answers (status, body, headers,
 * delay), and a record of every call it got. Validation is served at `/validate`, health at `/healthz`.
 */

export interface ScriptedAnswer {
  status?: number;
  /** An object is sent as JSON; a string is sent as it is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering (bounded by the server's close). */
  delayMs?: number;
  /** Drop the connection without an answer. */
  hangUp?: boolean;
}

export interface RecordedCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** For the formgate protocol: the token in the JSON body; for oidc: the bearer token; for introspection: the form's token. */
  token: string | undefined;
}

export type Script = ScriptedAnswer | ((call: RecordedCall) => ScriptedAnswer);

export interface IdentityServer {
  /** The validation endpoint. */
  readonly url: string;
  readonly origin: string;
  readonly healthUrl: string;
  /** Calls to the validation endpoint, in order. */
  readonly calls: RecordedCall[];
  readonly healthCalls: RecordedCall[];
  /** TCP connections accepted so far. */
  connections(): number;
  /** Validation calls being answered now (from arrival until the answer is sent or the connection drops). */
  inFlight(): number;
  /** The most validation calls it was answering at once. */
  maxInFlight(): number;
  answer(script: Script): void;
  answerHealth(script: Script): void;
  close(): Promise<void>;
}

export async function startIdentityServer(initial: Script = { status: 200, body: { userId: 'alice' } }): Promise<IdentityServer> {
  let script: Script = initial;
  let healthScript: Script = { status: 200, body: { status: 'pass' } };
  const calls: RecordedCall[] = [];
  const healthCalls: RecordedCall[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let connections = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const call: RecordedCall = { method: req.method ?? 'GET', path, headers: req.headers, body, token: tokenOf(req.headers, body) };
      const isHealth = path === '/healthz';
      (isHealth ? healthCalls : calls).push(call);
      if (!isHealth) {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        res.once('close', () => inFlight--);
      }
      const chosen = isHealth ? healthScript : script;
      const answer = typeof chosen === 'function' ? chosen(call) : chosen;
      const send = () => {
        if (answer.hangUp) return void req.socket.destroy();
        const isText = typeof answer.body === 'string';
        const text = answer.body === undefined ? '' : isText ? (answer.body as string) : JSON.stringify(answer.body);
        res.writeHead(answer.status ?? 200, {
          ...(answer.body !== undefined && !isText ? { 'content-type': 'application/json' } : {}),
          ...answer.headers,
        });
        res.end(text);
      };
      if (answer.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          send();
        }, answer.delayMs);
        timers.add(timer);
      } else send();
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/validate`,
    origin,
    healthUrl: `${origin}/healthz`,
    calls,
    healthCalls,
    connections: () => connections,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    answer: (s) => void (script = s),
    answerHealth: (s) => void (healthScript = s),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function tokenOf(headers: IncomingHttpHeaders, body: string): string | undefined {
  const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
  if (bearer !== undefined) return bearer;
  if ((headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return new URLSearchParams(body).get('token') ?? undefined;
  try {
    const parsed = JSON.parse(body) as { token?: unknown };
    return typeof parsed.token === 'string' ? parsed.token : undefined;
  } catch {
    return undefined;
  }
}

/** A loopback port nothing listens on: one the OS just handed out and got back. */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
