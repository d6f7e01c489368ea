import { connect, type Socket } from 'node:net';
import { afterAll, describe, it } from 'vitest';
import { startIdentityServer } from '../support/identity-server.ts';
import { delay, fetchWithin, killAll, runCli, startServe, withTimeout, type CliResult } from '../support/process.ts';

/**
 * What a real `formgate serve` does with clients that hold connections: slow ones are cut by the
 * headers and request timeouts, and clients beyond `--max-connections` get a quick 503 or a quick close,
 * never a hang. Raw sockets, so the client can be as slow or as many as it likes.
 */

const OPEN = ['--port', '0', '--database-url', 'memory://', '--protect', 'none', '--log-level', 'info'];

/** Far above the timeouts the tests set and far below Node's defaults (60 s headers, 300 s request). */
const NOT_STUCK_MS = 10_000;

const GET_LIVE = 'GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

afterAll(killAll);

interface Client {
  readonly socket: Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** Resolves once the server has sent a whole response with a Content-Length. */
  response(): Promise<string>;
  /** Resolves with what the server sent once the connection is closed (an error code in brackets after it). */
  closed(): Promise<string>;
}

function client(port: number): Promise<Client> {
  const socket = connect({ host: '127.0.0.1', port });
  let data = '';
  let waiters: (() => void)[] = [];
  const changed = () => {
    for (const w of waiters) w();
    waiters = [];
  };
  const until = (done: () => boolean) => new Promise<void>((resolve) => {
    if (done()) return resolve();
    const check = () => (done() ? resolve() : waiters.push(check));
    waiters.push(check);
  });
  socket.setEncoding('utf8').on('data', (d: string) => {
    data += d;
    changed();
  });
  socket.on('error', (e: NodeJS.ErrnoException) => {
    data += `[${e.code ?? e.message}]`;
  });
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(data)));
  const whole = () => {
    const end = data.indexOf('\r\n\r\n');
    const length = /\r\ncontent-length: *(\d+)/i.exec(data.slice(0, end));
    return end !== -1 && length?.[1] !== undefined && data.length >= end + 4 + Number(length[1]);
  };
  const handle: Client = {
    socket,
    received: () => data,
    response: () => withTimeout(until(whole), NOT_STUCK_MS, 'a whole response').then(() => data),
    closed: () => withTimeout(closed, NOT_STUCK_MS, 'the server to close the connection'),
  };
  return withTimeout(
    new Promise<Client>((resolve, reject) => {
      socket.once('connect', () => resolve(handle));
      socket.once('error', reject);
    }),
    5_000,
    'a connection',
  );
}

/** Writes `text` one character at a time, 200 ms apart, until it is written or the socket closes. */
async function trickle(socket: Socket, text: string): Promise<void> {
  for (const ch of text) {
    if (socket.destroyed || socket.writableEnded) return;
    socket.write(ch);
    await delay(200);
  }
}

const statusLine = (text: string) => text.split('\r\n', 1)[0];

describe('connection timeouts and limit', { timeout: 60_000 }, () => {
  it('cuts a client that trickles its headers or its body (FORMGATE_REQUEST_TIMEOUT)', async ({ expect, onTestFinished }) => {
    const server = await startServe(OPEN, { env: { FORMGATE_REQUEST_TIMEOUT: '1500' } });
    onTestFinished(() => server.kill());
    const port = Number(new URL(server.url).port);

    // 200 characters at 200 ms: 40 s if nothing cuts it.
    const headers = await client(port);
    headers.socket.write('GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    void trickle(headers.socket, 'x'.repeat(200));

    const body = await client(port);
    body.socket.write('POST /api/v1/forms/contact/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n');
    void trickle(body.socket, ' '.repeat(200));

    const [cutHeaders, cutBody] = await Promise.all([headers.closed(), body.closed()]);
    expect(statusLine(cutHeaders)).toBe('HTTP/1.1 408 Request Timeout');
    expect(statusLine(cutBody)).toBe('HTTP/1.1 408 Request Timeout');

    // The server itself is fine.
    expect((await fetchWithin(`${server.url}/health/live`)).status).toBe(200);
  });

  it('cuts a client that stops reading its answers (FORMGATE_REQUEST_TIMEOUT)', async ({ expect, onTestFinished }) => {
    // A short --auth-timeout, so that Formgate's own longest wait (twice that) is inside the request timeout.
    const server = await startServe(OPEN, { env: { FORMGATE_REQUEST_TIMEOUT: '1500', FORMGATE_AUTH_TIMEOUT: '200' } });
    onTestFinished(() => server.kill());
    const port = Number(new URL(server.url).port);

    // 300 pipelined requests for the OpenAPI document (about 50 KB each, 15 MB in all, more than the
    // socket buffers hold), and nothing read: the server's writes stall, and nothing moves on the socket.
    const slow = await client(port);
    slow.socket.pause();
    const requests = 300;
    slow.socket.write('GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'.repeat(requests));
    await delay(4_000);

    // Read what was sent before the cut: far fewer answers than asked for, then the close.
    slow.socket.resume();
    const got = await slow.closed();
    const answers = got.split('HTTP/1.1 200 OK').length - 1;
    expect(answers).toBeGreaterThan(0);
    expect(answers).toBeLessThan(requests);

    expect((await fetchWithin(`${server.url}/health/live`)).status).toBe(200);
  });

  it('does not cut a request that Formgate is still working on: a hanging identity service still gets its 503', async ({ expect, onTestFinished }) => {
    const identity = await startIdentityServer({ status: 200, body: { userId: 'alice' }, delayMs: 10_000 });
    onTestFinished(() => identity.close());
    const server = await startServe(['--port', '0', '--database-url', 'memory://', '--protect', 'all', '--auth-url', identity.url, '--auth-health-url', 'none', '--log-level', 'info'], {
      env: { FORMGATE_REQUEST_TIMEOUT: '500', FORMGATE_AUTH_TIMEOUT: '1500' },
    });
    onTestFinished(() => server.kill());
    const res = await fetchWithin(`${server.url}/api/v1/forms`, { headers: { authorization: 'Bearer some-token' } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).not.toBeNull();
  });

  it('answers 503 to a client beyond --max-connections, closes those beyond its room at once, and serves again once connections close', async ({ expect, onTestFinished }) => {
    const server = await startServe([...OPEN, '--max-connections', '5']);
    onTestFinished(() => server.kill());
    const port = Number(new URL(server.url).port);
    const open: Client[] = [];
    onTestFinished(() => open.forEach((c) => c.socket.destroy()));

    // Five served connections: each answered once (so it was taken), then held with half a request.
    for (let i = 0; i < 5; i++) {
      const c = await client(port);
      open.push(c);
      c.socket.write(GET_LIVE);
      expect(statusLine(await c.response())).toBe('HTTP/1.1 200 OK');
      c.socket.write('GET /health/live HTTP/1.1\r\n');
    }

    const sixth = await client(port);
    sixth.socket.write(GET_LIVE);
    const refused = await sixth.closed();
    expect(statusLine(refused)).toBe('HTTP/1.1 503 Service Unavailable');
    const [head = '', json = ''] = refused.split('\r\n\r\n');
    expect(head).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(head).toMatch(/\r\nconnection: close\r\n/i);
    expect(head).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/i);
    expect(JSON.parse(json)).toMatchObject({ status: 503, title: 'Service Unavailable' });
    await server.waitForLog((l) => l.msg.startsWith('connection limit reached'));

    // The room for 503s (10 at this cap) taken by clients that say nothing; the next one is closed at once.
    for (let i = 0; i < 10; i++) open.push(await client(port));
    const beyond = await client(port);
    beyond.socket.write(GET_LIVE);
    const dropped = await beyond.closed();
    expect(dropped).not.toMatch(/^HTTP/);

    for (const c of open) c.socket.destroy();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      if (i > 0) await delay(100);
      status = (await fetchWithin(`${server.url}/health/live`, { headers: { connection: 'close' } })).status;
    }
    expect(status).toBe(200);
  });
});

describe.concurrent('bad values exit 2 with one line', { timeout: 60_000 }, () => {
  const lines = (r: CliResult) => r.stderr.replace(/\n$/, '').split('\n');

  it('--max-connections 0', async ({ expect }) => {
    const r = await runCli(['serve', ...OPEN, '--max-connections', '0']);
    expect(r.code).toBe(2);
    expect(lines(r)).toEqual(['formgate: invalid configuration: --max-connections: expected an integer from 1 to 1000000, got "0" (flag --max-connections or FORMGATE_MAX_CONNECTIONS)']);
  });

  it('FORMGATE_REQUEST_TIMEOUT=30s', async ({ expect }) => {
    const r = await runCli(['serve', ...OPEN], { env: { FORMGATE_REQUEST_TIMEOUT: '30s' } });
    expect(r.code).toBe(2);
    expect(lines(r)).toHaveLength(1);
    expect(r.stderr).toContain('--request-timeout');
    expect(r.stderr).toContain('FORMGATE_REQUEST_TIMEOUT');
  });
});
