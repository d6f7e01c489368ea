import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { exportingTo, startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.ts';
import { fetchWithin, killAll, startServe, withTimeout, type ServerProcess } from '../support/process.ts';

/**
 * A web-only process (`--no-api --api-url`) against a plain node:http server on 127.0.0.1 standing in for
 * the API: what goes over the wire (keep-alive, trace context, request id, no token of a visitor), and
 * what a person sees when the API is slow or says it is busy.
 */

type Mode = 'answer' | 'hang' | 'stall' | 'busy';

interface StandIn {
  readonly url: string;
  mode: Mode;
  /** TCP connections the web client opened. */
  connections: number;
  readonly requests: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

const ME = {
  caller: { authenticated: false },
  forms: [{ name: 'notes', title: 'Stand-in notes', may: { create: true, read: 'all', update: 'all', delete: 'all' } }],
};
const FORMS = { items: [{ name: 'notes', title: 'Stand-in notes', description: 'Served by the stand-in' }] };

async function startStandIn(): Promise<StandIn> {
  const held = new Set<ServerResponse>();
  const json = (res: ServerResponse, status: number, body: unknown, type = 'application/json', extra: Record<string, string> = {}) =>
    res.writeHead(status, { 'content-type': type, ...extra }).end(JSON.stringify(body));
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
    standIn.requests.push({ path, headers: req.headers });
    req.resume();
    if (standIn.mode === 'hang') return void held.add(res);
    if (standIn.mode === 'stall') {
      // The headers and the start of a JSON body, then nothing: the rest never comes.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' }).write('{"caller":');
      return void held.add(res);
    }
    if (standIn.mode === 'busy') return json(res, 503, { type: 'about:blank', title: 'Service Unavailable', status: 503 }, 'application/problem+json', { 'retry-after': '17' });
    if (path === '/api/v1/me') return json(res, 200, ME);
    if (path === '/api/v1/forms') return json(res, 200, FORMS);
    if (path === '/health') return json(res, 200, { status: 'pass' }, 'application/health+json');
    return json(res, 404, { title: 'Not Found', status: 404 }, 'application/problem+json');
  });
  server.on('connection', () => standIn.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const standIn: StandIn = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    mode: 'answer',
    connections: 0,
    requests: [],
    close: () =>
      new Promise((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return standIn;
}

const HTML = { accept: 'text/html' };
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

let receiver: OtlpReceiver;
const standIns: StandIn[] = [];
const standIn = async () => {
  const s = await startStandIn();
  standIns.push(s);
  return s;
};

beforeAll(async () => {
  receiver = await startOtlpReceiver();
});

afterAll(async () => {
  await killAll();
  await Promise.all(standIns.map((s) => s.close()));
  await receiver?.close();
});

describe.concurrent('a web-only process against a stand-in API', { timeout: 120_000 }, () => {
  describe.sequential('that answers', () => {
    let api: StandIn;
    let web: ServerProcess;
    beforeAll(async () => {
      api = await standIn();
      // Tracing on, so there is a span context to send; the batch waits for the flush at SIGTERM.
      web = await startServe(['--port', '0', '--no-api', '--api-url', api.url], { env: { ...exportingTo(receiver.endpoint), OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_SERVICE_NAME: 'formgate-web' } });
    }, 60_000);

    it('keeps its connections to the API alive: 5 page loads (10 API calls) over at most 2 connections', async ({ expect }) => {
      const before = { connections: api.connections, requests: api.requests.length };
      for (let load = 0; load < 5; load++) {
        const page = await fetchWithin(`${web.url}/`, { headers: HTML });
        expect(page.status).toBe(200);
        expect(await page.text()).toContain('Served by the stand-in');
      }
      expect(api.requests.length - before.requests).toBe(10);
      expect(api.connections - before.connections).toBeGreaterThanOrEqual(1);
      expect(api.connections - before.connections).toBeLessThanOrEqual(2);
    });

    it("sends trace context and the page's request id, and never a visitor's Authorization header", async ({ expect }) => {
      const from = api.requests.length;
      const page = await fetchWithin(`${web.url}/`, { headers: { ...HTML, authorization: 'Bearer visitor-token-4711', cookie: 'stray=visitor-cookie-4711' } });
      expect(page.status).toBe(200);
      const calls = api.requests.slice(from);
      expect(calls.map((c) => c.path).sort()).toEqual(['/api/v1/forms', '/api/v1/me']);
      const contexts = calls.map((c) => TRACEPARENT.exec(String(c.headers.traceparent)));
      expect(contexts.every((m) => m !== null), JSON.stringify(calls.map((c) => c.headers.traceparent))).toBe(true);
      // One trace for the page, one client span (its own parent id) per call.
      expect(new Set(contexts.map((m) => m![1])).size).toBe(1);
      expect(new Set(contexts.map((m) => m![2])).size).toBe(2);
      for (const call of calls) {
        expect(call.headers['x-request-id']).toBe(page.headers.get('x-request-id'));
        expect(call.headers.authorization).toBeUndefined();
        expect(call.headers.cookie).toBeUndefined();
      }

      // The parent ids the API saw are the web client's exported CLIENT spans, children of the page's span.
      expect((await web.stop('SIGTERM')).code).toBe(0);
      const traceId = contexts[0]![1]!;
      const spans = receiver.spans.filter((s) => s.traceId === traceId && s.service === 'formgate-web');
      const server = spans.find((s) => s.kind === 2);
      expect(server, JSON.stringify(spans)).toBeDefined();
      for (const m of contexts) {
        const client = spans.find((s) => s.spanId === m![2]);
        expect(client?.kind).toBe(3);
        expect(client?.parentSpanId).toBe(server!.spanId);
      }
      expect(receiver.bodies.join('\n')).not.toContain('visitor-token-4711');
    });
  });

  describe.sequential('that is slow, then busy', () => {
    let api: StandIn;
    let web: ServerProcess;
    beforeAll(async () => {
      api = await standIn();
      web = await startServe(['--port', '0', '--no-api', '--api-url', api.url, '--api-timeout', '300']);
    }, 60_000);

    it('never answers: with --api-timeout 300 the page is the 503 page with Retry-After, and the log says why', async ({ expect }) => {
      api.mode = 'hang';
      const page = await withTimeout(fetchWithin(`${web.url}/`, { headers: HTML }, 30_000), 20_000, 'the 503 page');
      expect(page.status).toBe(503);
      expect(page.headers.get('retry-after')).toBe('5');
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain('<h1>The service is unavailable</h1>');
      const warning = await web.waitForLog((l) => l.msg === 'API request failed');
      expect(warning).toMatchObject({ level: 'warn', api: api.url, reason: 'the API did not answer within 300 ms (--api-timeout)' });

      const health = await withTimeout(fetchWithin(`${web.url}/health`, {}, 30_000), 20_000, 'the health answer');
      expect(health.status).toBe(503);
      const body = (await health.json()) as { status: string; checks: Record<string, { status: string }[]> };
      expect(body.status).toBe('fail');
      expect(body.checks['api:responseTime']?.[0]?.status).toBe('fail');
      expect((await fetchWithin(`${web.url}/health/live`)).status).toBe(200);
    });

    it('sends its headers and stalls in the body: the deadline covers the body too, so the page is the 503 page', async ({ expect }) => {
      api.mode = 'stall';
      const page = await withTimeout(fetchWithin(`${web.url}/`, { headers: HTML }, 30_000), 20_000, 'the 503 page');
      expect(page.status).toBe(503);
      expect(page.headers.get('retry-after')).toBe('5');
      expect(await page.text()).toContain('<h1>The service is unavailable</h1>');
    });

    it("answers 503 with Retry-After: 17: the page's Retry-After is the API's", async ({ expect }) => {
      api.mode = 'busy';
      const page = await fetchWithin(`${web.url}/`, { headers: HTML });
      expect(page.status).toBe(503);
      expect(page.headers.get('retry-after')).toBe('17');
      expect(await page.text()).toContain('Try again in 17 s.');
    });
  });
});
