import { SpanKind } from '@opentelemetry/api';
import { node, tracing } from '@opentelemetry/sdk-node';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadFormsFile } from '../../src/forms/index.ts';
import { keysFromSecrets } from '../../src/web/keys.ts';
import { DRIVERS } from '../support/databases.ts';
import { buildTestApp, type TestApp } from '../support/app.ts';
import { startIdentityServer, type IdentityServer } from '../support/identity-server.ts';

/**
 * The spans Formgate makes, recorded by the real OpenTelemetry SDK (an in-memory exporter instead of OTLP):
 * their names, their parents, what they say, and what they must never say. The OTLP export itself, across
 * both services as processes, is test/process/tracing.test.ts.
 */

const exporter = new tracing.InMemorySpanExporter();
const provider = new node.NodeTracerProvider({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] });
provider.register();

const TOKEN = 'tok-0123456789-very-secret';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${CALLER_SPAN_ID}-01`;
const EXPENSE = { employeeId: 'AB12345', spentOn: '2026-11-20', amount: 12.5, category: 'travel' };

let identity: IdentityServer;
let t: TestApp;

beforeAll(async () => {
  identity = await startIdentityServer({ status: 200, body: { userId: 'alice', groups: ['staff'] }, headers: { 'cache-control': 'max-age=60' } });
  const pglite = DRIVERS.find((d) => d.name === 'pglite')!;
  // The example forms, as `npm start` serves them.
  const forms = await loadFormsFile(fileURLToPath(new URL('../../examples/forms.yaml', import.meta.url)));
  if (!forms.ok) throw new Error('examples/forms.yaml does not load');
  t = await buildTestApp(pglite, {
    authUrl: identity.url,
    protect: { forms: 'writes', documents: 'writes' },
    forms: forms.value,
    // The web client beside the API, as `npm start` mounts it: the host hands it every other path.
    web: { publicUrl: 'http://127.0.0.1', signIn: null, sessionKeys: keysFromSecrets(['session-secret-for-tracing-0123456789']) },
  });
});

afterAll(async () => {
  await t?.close();
  await identity?.close();
  await provider.shutdown();
});

beforeEach(() => {
  exporter.reset();
  t.identityClient?.clearCache();
});

function spans() {
  return exporter.getFinishedSpans();
}

function spanNamed(name: string) {
  const found = spans().filter((s) => s.name === name);
  expect(found.map((s) => s.name), `spans: ${spans().map((s) => s.name).join(', ')}`).toHaveLength(1);
  return found[0]!;
}

const parentOf = (span: tracing.ReadableSpan) => span.parentSpanContext?.spanId;

async function create(headers: Record<string, string> = {}) {
  return t.app.request('/api/v1/forms/expense-report/documents', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    body: JSON.stringify(EXPENSE),
  });
}

describe('one request, one trace', () => {
  test('the server span continues the caller\'s traceparent and is named by the route', async () => {
    const res = await create({ traceparent: TRACEPARENT });
    expect(res.status).toBe(201);
    const server = spanNamed('POST /api/v1/forms/:form/documents');
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(server.spanContext().traceId).toBe(TRACE_ID);
    expect(parentOf(server)).toBe(CALLER_SPAN_ID);
    expect(server.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/api/v1/forms/:form/documents',
      'http.response.status_code': 201,
    });
  });

  test('identity validation is a child span saying protocol, cache and outcome; the call is its child and carries traceparent', async () => {
    await create({ traceparent: TRACEPARENT });
    const server = spanNamed('POST /api/v1/forms/:form/documents');
    const validation = spanNamed('identity.validate');
    expect(parentOf(validation)).toBe(server.spanContext().spanId);
    expect(validation.attributes).toEqual({ 'formgate.auth.protocol': 'formgate', 'formgate.auth.cache': 'miss', 'formgate.auth.outcome': 'valid' });

    const call = spanNamed('POST');
    expect(call.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(call)).toBe(validation.spanContext().spanId);
    expect(call.attributes['http.response.status_code']).toBe(200);
    // The identity service got the call's context, so its own spans join this trace under the call.
    const sent = identity.calls.at(-1)!.headers.traceparent;
    expect(sent).toBe(`00-${TRACE_ID}-${call.spanContext().spanId}-01`);
  });

  test('a cached answer is a validation span with cache "hit" and no call', async () => {
    await create();
    exporter.reset();
    const calls = identity.calls.length;
    await create();
    expect(identity.calls.length).toBe(calls);
    expect(spanNamed('identity.validate').attributes['formgate.auth.cache']).toBe('hit');
    expect(spans().filter((s) => s.kind === SpanKind.CLIENT && s.name === 'POST')).toHaveLength(0);
  });

  test('a rejected token and a failing service are told apart on the validation span', async () => {
    identity.answer({ status: 401, body: { error: 'invalid_token' } });
    try {
      expect((await create()).status).toBe(401);
      expect(spanNamed('identity.validate').attributes['formgate.auth.outcome']).toBe('rejected');
      exporter.reset();
      identity.answer({ status: 503, body: 'down' });
      t.identityClient?.clearCache();
      expect((await create()).status).toBe(503);
      expect(spanNamed('identity.validate').attributes['formgate.auth.outcome']).toBe('unavailable');
      expect(spanNamed('POST /api/v1/forms/:form/documents').status.code).toBe(2); // ERROR on a 5xx
    } finally {
      identity.answer({ status: 200, body: { userId: 'alice', groups: ['staff'] }, headers: { 'cache-control': 'max-age=60' } });
    }
  });

  test('database queries are client spans under the request, named by operation and table', async () => {
    const res = await create();
    const { id } = (await res.json()) as { id: string };
    const server = spanNamed('POST /api/v1/forms/:form/documents');
    const insert = spanNamed('INSERT documents');
    expect(insert.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(insert)).toBe(server.spanContext().spanId);
    expect(insert.attributes).toMatchObject({ 'db.system.name': 'postgresql', 'db.operation.name': 'INSERT', 'db.collection.name': 'documents' });

    exporter.reset();
    expect((await t.app.request(`/api/v1/forms/expense-report/documents/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect(parentOf(spanNamed('SELECT documents'))).toBe(spanNamed('GET /api/v1/forms/:form/documents/:id').spanContext().spanId);
  });

  test('a request no route matched is named by its method alone, not by its path', async () => {
    const res = await t.app.request('/no/such/place/123');
    expect(res.status).toBe(404);
    const [server] = spans().filter((s) => s.kind === SpanKind.SERVER);
    expect(server?.name).toBe('GET');
    expect(server?.attributes['http.route']).toBeUndefined();
  });

  test('a page of the web client, mounted as the host\'s catch-all, is named by the page\'s own route', async () => {
    // Anonymous under `writes`: the page answers 403 (no one to send the form as), by its route all the same.
    const res = await t.app.request('/forms/expense-report/new');
    expect(res.status).toBe(403);
    const server = spanNamed('GET /forms/:form/new');
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(server.attributes).toMatchObject({ 'http.route': '/forms/:form/new', 'url.path': '/forms/expense-report/new', 'http.response.status_code': 403 });

    exporter.reset();
    expect((await t.app.request('/')).status).toBe(200);
    expect(spanNamed('GET /').attributes['http.route']).toBe('/');
  });

  test('the request\'s log line carries its trace id', async () => {
    const res = await create({ traceparent: TRACEPARENT });
    const requestId = res.headers.get('x-request-id')!;
    const [line] = t.requestLines(requestId);
    expect(line).toMatchObject({ trace_id: TRACE_ID, span_id: spanNamed('POST /api/v1/forms/:form/documents').spanContext().spanId });
  });

  test('no span holds the token, the document\'s answers or the caller\'s headers', async () => {
    await create({ traceparent: TRACEPARENT, 'x-custom': 'header-value-42' });
    identity.answer({ status: 200, body: `{"userId":"alice","echo":"${TOKEN}"`, headers: { 'content-type': 'application/json' } });
    try {
      await create({ authorization: `Bearer ${TOKEN}-2` });
    } finally {
      identity.answer({ status: 200, body: { userId: 'alice', groups: ['staff'] }, headers: { 'cache-control': 'max-age=60' } });
    }
    const everything = JSON.stringify(spans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status, links: s.links })));
    expect(spans().length).toBeGreaterThan(5);
    for (const secret of [TOKEN, 'AB12345', 'header-value-42']) expect(everything).not.toContain(secret);
  });
});
