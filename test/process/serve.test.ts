import { Agent, request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { afterAll, describe, it } from 'vitest';
import { delay, fetchWithin, killAll, startServe, withTimeout } from '../support/process.ts';

/**
 * A real `formgate serve` on a free port: health endpoints, and how it stops. Each test owns its own
 * server (they run concurrently); onTestFinished and afterAll make sure none outlives the file.
 */

const OPEN = ['--port', '0', '--database-url', 'memory://', '--protect', 'none', '--log-level', 'info'];

const CONTACT = { name: 'Ada', email: 'ada@example.com', message: 'Hello from a process test.' };

afterAll(killAll);

describe.concurrent('serve', { timeout: 60_000 }, () => {
  it('answers /health and /health/live, then exits 0 on SIGINT', async ({ expect, onTestFinished }) => {
    const server = await startServe(OPEN);
    onTestFinished(() => server.kill());

    const health = await fetchWithin(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toMatch(/^application\/health\+json/);
    const body = (await health.json()) as { status: string; checks: Record<string, { status: string }[]> };
    expect(body.status).toBe('pass');
    expect(Object.values(body.checks).flat().every((c) => c.status === 'pass')).toBe(true);

    const live = await fetchWithin(`${server.url}/health/live`);
    expect(live.status).toBe(200);
    expect(live.headers.get('content-type')).toMatch(/^application\/health\+json/);
    expect(await live.json()).toEqual({ status: 'pass' });

    const exit = await server.stop('SIGINT');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(server.logs.some((l) => l.msg === 'signal received' && l.signal === 'SIGINT')).toBe(true);
  });

  // Over a real socket the adapter's request is no web Request until something asks for one, and the limit
  // reads the declared length without asking; a chunked body has none and is counted as it arrives.
  it('answers 413 to a body over --max-body, declared or chunked, and stores one within it', async ({ expect, onTestFinished }) => {
    const server = await startServe([...OPEN, '--max-body', '200']);
    onTestFinished(() => server.kill());
    const url = `${server.url}/api/v1/forms/contact/documents`;
    const post = (body: string | ReadableStream) => fetchWithin(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);
    const big = JSON.stringify({ ...CONTACT, message: 'x'.repeat(300) });

    const declared = await post(big);
    expect(declared.status).toBe(413);
    expect(declared.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const chunked = await post(new Blob([big]).stream());
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as { limit: number }).limit).toBe(200);

    const fits = await post(JSON.stringify(CONTACT));
    expect(fits.status).toBe(201);
    expect(((await fits.json()) as { data: unknown }).data).toMatchObject(CONTACT);
  });

  it('on SIGTERM finishes the request in flight, refuses new connections, and exits 0', async ({ expect, onTestFinished }) => {
    const server = await startServe(OPEN);
    onTestFinished(() => server.kill());
    const { hostname, port } = new URL(server.url);

    // `agent: false`: a connection of its own that the client closes after the answer (Connection: close).
    const inFlight = await startChunkedPost(server.url, false);
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    await server.waitForLog((l) => l.msg.startsWith('shutting down'));

    // Still running (the request holds it), but no longer accepting connections.
    expect(server.child.exitCode).toBeNull();
    expect(await tryConnect(hostname, Number(port))).toBe('ECONNREFUSED');

    await delay(Math.max(0, 300 - (Date.now() - signalledAt)));
    expect(server.child.exitCode).toBeNull();
    const { res, body } = await inFlight.finish();
    expect(res.statusCode).toBe(201);
    expect(res.headers.location).toMatch(/^\/api\/v1\/forms\/contact\/documents\/[0-9a-f-]{36}$/);
    expect((JSON.parse(body) as { data: unknown }).data).toMatchObject(CONTACT);

    const exit = await server.exited(15_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(server.logs.some((l) => l.msg === 'stopped')).toBe(true);
  });

  // A keep-alive connection whose request was in flight at SIGTERM must be told `Connection: close`;
  // otherwise it holds the process open until the client hangs up or the grace period cuts it off.
  it('on SIGTERM does not wait for a keep-alive client to hang up', async ({ expect, onTestFinished }) => {
    const server = await startServe(OPEN);
    onTestFinished(() => server.kill());
    const agent = new Agent({ keepAlive: true });
    onTestFinished(() => agent.destroy());

    const inFlight = await startChunkedPost(server.url, agent);
    server.child.kill('SIGTERM');
    await server.waitForLog((l) => l.msg.startsWith('shutting down'));
    await delay(300);
    const { res } = await inFlight.finish();
    const answeredAt = Date.now();
    expect(res.statusCode).toBe(201);
    expect(res.headers.connection).toBe('close');
    expect(await server.exited(15_000)).toEqual({ code: 0, signal: null });
    // Not a speed target: the alternative is being held until the 10 s grace period cuts the client off.
    expect(Date.now() - answeredAt).toBeLessThan(8_000);
  });
});

interface Answer {
  res: IncomingMessage;
  body: string;
}

/**
 * Starts a chunked POST of a contact document and writes the first half of the JSON; resolves once the
 * headers and that half are on the wire and the server has had time to take the request. `finish()`
 * writes the rest and resolves with the answer.
 */
async function startChunkedPost(url: string, agent: Agent | false): Promise<{ finish(): Promise<Answer> }> {
  const { hostname, port } = new URL(url);
  const json = JSON.stringify(CONTACT);
  const half = Math.floor(json.length / 2);
  const req = request({
    host: hostname,
    port: Number(port),
    method: 'POST',
    path: '/api/v1/forms/contact/documents',
    agent,
    headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
  });
  const answer = withTimeout(
    new Promise<Answer>((resolve, reject) => {
      req.once('error', reject);
      req.once('response', (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.once('end', () => resolve({ res, body }));
        res.once('error', reject);
      });
    }),
    15_000,
    'the answer to the request in flight',
  );
  answer.catch(() => {}); // awaited in finish(); keeps an early failure from being an unhandled rejection
  await withTimeout(
    new Promise<void>((resolve, reject) => req.write(json.slice(0, half), (e) => (e ? reject(e) : resolve()))),
    5_000,
    'the first half of the body to be written',
  );
  await delay(300);
  return {
    finish() {
      req.end(json.slice(half));
      return answer;
    },
  };
}

/** `connected`, or the error code of the attempt (ECONNREFUSED when nothing listens). */
function tryConnect(host: string, port: number): Promise<string> {
  return withTimeout(
    new Promise<string>((resolve) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    }),
    5_000,
    `a connection attempt to ${host}:${port}`,
  );
}
