import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS } from '../support/databases.ts';
import { buildTestApp, expectProblem, jsonInit, TEST_MAX_BODY_BYTES, type LogLine, type TestApp } from '../support/app.ts';

/**
 * What clients send, and what the service makes of it. Nothing a client sends produces a 500: each odd
 * request below gets a non-5xx answer, every error is problem+json, and after the whole table the stored
 * data is exactly as it was. Then x-request-id in and out, and the one log line each request leaves, read
 * from a captured pino logger.
 */

interface Doc {
  id: string;
  version: number;
  data: Record<string, unknown>;
}

const NOTES = '/api/v1/forms/notes/documents';
const RANDOM_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The request line: the one that carries method, path, status and duration. */
const isRequestLine = (line: LogLine): boolean => 'method' in line && 'status' in line;
const JSON_TYPE = { 'content-type': 'application/json' };

interface OddRequest {
  name: string;
  path: string;
  init?: RequestInit;
}

const raw = (method: string, body: string, headers: Record<string, string> = JSON_TYPE): RequestInit => ({ method, body, headers });
const nested = (depth: number, leaf = '1') => '['.repeat(depth) + leaf + ']'.repeat(depth);
/** Deep, yet well under the body limit, so the nesting (not the size) is what is tested. */
const DEPTH = Math.floor(TEST_MAX_BODY_BYTES / 2 / 2 - 100);

/** Requests against the list and create routes, the unknown, and the seeded document at `{doc}`. */
function oddRequests(): OddRequest[] {
  const doc = `${NOTES}/{doc}`;
  return [
    // query strings
    { name: 'a limit of 5000 digits', path: `${NOTES}?limit=${'9'.repeat(5000)}` },
    { name: 'a negative limit', path: `${NOTES}?limit=-1` },
    { name: 'an empty limit', path: `${NOTES}?limit=` },
    { name: 'limit=Infinity', path: `${NOTES}?limit=Infinity` },
    { name: 'limit in hex', path: `${NOTES}?limit=0x10` },
    { name: 'limit in exponent form', path: `${NOTES}?limit=1e2` },
    { name: 'a repeated limit', path: `${NOTES}?limit=1&limit=2` },
    { name: 'a repeated flag', path: `${NOTES}?deleted=true&deleted=false` },
    { name: 'a 10 000-character cursor', path: `${NOTES}?cursor=${'A'.repeat(10_000)}` },
    { name: 'a cursor of 200 base64 characters', path: `${NOTES}?cursor=${Buffer.from('v1:'.padEnd(150, 'z')).toString('base64url').slice(0, 200)}` },
    { name: 'a cursor holding an upper-case UUID', path: `${NOTES}?cursor=${Buffer.from('v1:0193A0B2-6C1E-7D2A-9F3B-2A1C5E4D3F21').toString('base64url')}` },
    { name: 'a cursor with %00', path: `${NOTES}?cursor=%00` },
    { name: 'a unicode cursor', path: `${NOTES}?cursor=%F0%9F%92%A9` },
    { name: 'malformed percent-encoding in the query', path: `${NOTES}?limit=%ZZ&cursor=%E0%A4%A` },
    { name: 'an unknown query parameter', path: `${NOTES}?limit=1&${'p'.repeat(2000)}=${'v'.repeat(2000)}` },
    // paths
    { name: 'an emoji form name', path: '/api/v1/forms/%F0%9F%93%9D/documents' },
    { name: 'a unicode document id', path: `${NOTES}/%E2%82%AC` },
    { name: '%00 in the form name', path: '/api/v1/forms/notes%00/documents' },
    { name: '%00 as the document id', path: `${NOTES}/%00` },
    { name: '%00 inside a UUID', path: `${NOTES}/00000000-0000-4000-8000-00000000000%00` },
    { name: 'malformed percent-encoding in the path', path: '/api/v1/forms/%ZZ/documents/%E0%A4%A' },
    { name: 'an encoded slash in the form name', path: '/api/v1/forms/notes%2F..%2Fprivate-notes/documents' },
    { name: 'dot segments', path: '/api/v1/forms/notes/documents/../../private-notes/documents' },
    { name: 'a 10 000-character form name', path: `/api/v1/forms/${'f'.repeat(10_000)}/documents` },
    { name: 'a 10 000-character document id', path: `${NOTES}/${'d'.repeat(10_000)}` },
    { name: 'a form named __proto__', path: '/api/v1/forms/__proto__/documents' },
    { name: 'a form named constructor', path: '/api/v1/forms/constructor' },
    { name: 'a document id of "constructor"', path: `${NOTES}/constructor/history` },
    { name: 'an unsupported method', path: doc, init: { method: 'PUT', body: '{}', headers: JSON_TYPE } },
    { name: 'OPTIONS', path: NOTES, init: { method: 'OPTIONS' } },
    { name: 'HEAD on the list', path: NOTES, init: { method: 'HEAD' } },
    // bodies
    { name: 'deeply nested JSON in a field', path: NOTES, init: raw('POST', `{"title":${nested(DEPTH)}}`) },
    { name: 'deeply nested JSON in an unknown field', path: NOTES, init: raw('POST', `{"title":"t","deep":${nested(DEPTH)}}`) },
    { name: 'deeply nested JSON as the body', path: NOTES, init: raw('POST', nested(DEPTH)) },
    { name: 'deeply nested objects', path: NOTES, init: raw('POST', '{"a":'.repeat(DEPTH / 4) + '1' + '}'.repeat(DEPTH / 4)) },
    { name: 'a number as a string', path: NOTES, init: jsonInit('POST', { title: 'n', priority: '3' }) },
    { name: 'a string as a number', path: NOTES, init: jsonInit('POST', { title: 42 }) },
    { name: 'a boolean as a list', path: NOTES, init: jsonInit('POST', { title: 't', tags: true }) },
    { name: 'a number too large for JSON', path: NOTES, init: raw('POST', '{"title":"t","priority":1e400}') },
    { name: 'a fraction for an integer', path: NOTES, init: jsonInit('POST', { title: 't', priority: 2.5 }) },
    { name: 'a repeated choice', path: NOTES, init: jsonInit('POST', { title: 't', tags: ['red', 'red'] }) },
    { name: 'an object for text', path: NOTES, init: jsonInit('POST', { title: { $gt: '' } }) },
    { name: 'a field named constructor', path: NOTES, init: jsonInit('POST', { title: 't', constructor: 'x' }) },
    { name: 'an empty field name', path: NOTES, init: jsonInit('POST', { title: 't', '': 1 }) },
    { name: 'a field name with / and ~', path: NOTES, init: jsonInit('POST', { title: 't', 'a/b~c': 1 }) },
    { name: 'a title over maxLength', path: NOTES, init: jsonInit('POST', { title: 't'.repeat(101) }) },
    { name: 'an empty required text', path: NOTES, init: jsonInit('POST', { title: '' }) },
    { name: 'a byte-order mark before the JSON', path: NOTES, init: raw('POST', '\uFEFF{"title":1}') },
    { name: 'JSON with a trailing comma', path: NOTES, init: raw('POST', '{"title":"t",}') },
    { name: 'two JSON documents', path: NOTES, init: raw('POST', '{"title":"a"}{"title":"b"}') },
    { name: 'invalid UTF-8', path: NOTES, init: { method: 'POST', headers: JSON_TYPE, body: new Uint8Array([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) } },
    { name: 'a body just over the limit', path: NOTES, init: raw('POST', JSON.stringify({ title: 'x'.repeat(TEST_MAX_BODY_BYTES) })) },
    { name: 'a JSON content type with parameters', path: NOTES, init: raw('POST', '{"title":1}', { 'content-type': 'application/json; charset=utf-8; x=y' }) },
    { name: 'a vendor JSON content type', path: NOTES, init: raw('POST', '{"title":1}', { 'content-type': 'application/vnd.x+json' }) },
    { name: 'a content type that only looks like JSON', path: NOTES, init: raw('POST', '{"title":"t"}', { 'content-type': 'application/jsonp' }) },
    // headers
    { name: 'a 10 000-character x-request-id', path: NOTES, init: { headers: { 'x-request-id': 'r'.repeat(10_000) } } },
    { name: 'a 10 000-character content type', path: NOTES, init: raw('POST', '{"title":"t"}', { 'content-type': `application/json${'x'.repeat(10_000)}` }) },
    { name: 'a 10 000-character Authorization (no identity service: ignored)', path: NOTES, init: { headers: { authorization: `Bearer ${'t'.repeat(10_000)}` } } },
    { name: 'a 10 000-character Accept', path: NOTES, init: { headers: { accept: 'a'.repeat(10_000) } } },
    { name: 'a nonsense Content-Length', path: NOTES, init: raw('POST', '{"title":1}', { ...JSON_TYPE, 'content-length': 'abc' }) },
    // changes to the seeded document, all of which must be refused
    { name: 'PATCH with null on a required field', path: doc, init: jsonInit('PATCH', { title: null }) },
    { name: 'PATCH with a number as a string', path: doc, init: jsonInit('PATCH', { priority: '5' }) },
    { name: 'PATCH with an unknown field', path: doc, init: jsonInit('PATCH', { title: 'x', extra: true }) },
    { name: 'PATCH with a nested patch', path: doc, init: jsonInit('PATCH', { data: { title: 'x' } }) },
    { name: 'PATCH with deeply nested JSON', path: doc, init: raw('PATCH', `{"tags":${nested(DEPTH, '"red"')}}`) },
    { name: 'PATCH with an array body', path: doc, init: raw('PATCH', '[]') },
    { name: 'PATCH with a 10 000-character If-Match', path: doc, init: jsonInit('PATCH', { title: 'x' }, { 'if-match': '"'.padEnd(10_000, '9') }) },
    { name: 'PATCH with a weak If-Match', path: doc, init: jsonInit('PATCH', { title: 'x' }, { 'if-match': 'W/"1"' }) },
    { name: 'PATCH with a huge If-Match version', path: doc, init: jsonInit('PATCH', { title: 'x' }, { 'if-match': `"${'9'.repeat(400)}"` }) },
    { name: 'PATCH with a negative If-Match version', path: doc, init: jsonInit('PATCH', { title: 'x' }, { 'if-match': '"-1"' }) },
    { name: 'DELETE with a garbage If-Match', path: doc, init: { method: 'DELETE', headers: { 'if-match': '\u00ff\u00fe' } } },
    { name: 'DELETE with a stale If-Match list', path: doc, init: { method: 'DELETE', headers: { 'if-match': '"0", "2", "3"' } } },
    { name: 'restore a live document with a body', path: `${doc}/restore`, init: raw('POST', '{"deletedAt":null}') },
  ];
}

describe.each(DRIVERS)('what clients send, on $name', (driver) => {
  let t: TestApp;
  let seeded: Doc;
  let url: string;
  const snapshot = async () => {
    const list = await t.app.request(`${NOTES}?limit=200`);
    const deleted = await t.app.request(`${NOTES}?limit=200&deleted=true`);
    const one = await t.app.request(url);
    const history = await t.app.request(`${url}/history`);
    return { list: await list.json(), deleted: await deleted.json(), one: await one.json(), history: await history.json() };
  };

  beforeAll(async () => {
    t = await buildTestApp(driver);
    const res = await t.app.request(NOTES, jsonInit('POST', { title: 'seeded', body: 'keep me', tags: ['green'] }));
    expect(res.status).toBe(201);
    seeded = (await res.json()) as Doc;
    url = `${NOTES}/${seeded.id}`;
  });
  afterAll(() => t?.close());

  it('answers every odd request without a 5xx, with problem+json for errors, and stores nothing', async () => {
    const before = await snapshot();
    const answers: string[] = [];
    for (const odd of oddRequests()) {
      const path = odd.path.replace('{doc}', seeded.id);
      const res = await t.app.request(path, odd.init);
      const text = await res.text();
      answers.push(`${res.status} ${odd.name}`);
      expect(res.status, `${odd.name}: ${res.status} ${text.slice(0, 300)}`).toBeLessThan(500);
      if (res.status >= 400) {
        expect(res.headers.get('content-type'), odd.name).toMatch(/^application\/problem\+json/);
        const problem = JSON.parse(text) as Record<string, unknown>;
        expect(problem, odd.name).toMatchObject({ status: res.status, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
        expect(problem.requestId, odd.name).toBe(res.headers.get('x-request-id'));
      }
      // A 2xx is only acceptable for reads; every write in the table is invalid.
      if (res.status < 400) expect(['GET', 'HEAD'], `${odd.name} was accepted`).toContain(odd.init?.method ?? 'GET');
    }
    expect(await snapshot()).toEqual(before);
    expect(answers.length).toBeGreaterThan(60);
  });

  it('rejects the odd requests that are clearly wrong with the expected status', async () => {
    await expectProblem(await t.app.request(NOTES, raw('POST', `{"title":${nested(DEPTH)}}`)), 422, NOTES);
    await expectProblem(await t.app.request(NOTES, raw('POST', '{"title":"t",}')), 400, NOTES);
    await expectProblem(await t.app.request(NOTES, raw('POST', '{"title":"t"}', { 'content-type': 'application/jsonp' })), 415, NOTES);
    await expectProblem(await t.app.request(url, jsonInit('PATCH', { title: null })), 422, url);
    await expectProblem(await t.app.request(url, jsonInit('PATCH', { title: 'x' }, { 'if-match': 'W/"1"' })), 412, url);
    await expectProblem(await t.app.request(`${NOTES}/%00`), 404);
    await expectProblem(await t.app.request('/api/v1/forms/__proto__/documents'), 404);
    await expectProblem(await t.app.request('/api/v1/forms/constructor'), 404);
    const big = await t.app.request(`${NOTES}?limit=${'9'.repeat(5000)}`);
    expect((await expectProblem(big, 400, NOTES)).errors?.map((e) => e.path)).toEqual(['/limit']);
    expect((await t.app.request(url)).status).toBe(200);
  });

  // PostgreSQL's jsonb cannot hold U+0000 or a lone surrogate: such text must be refused as the client's
  // mistake (422 naming the field) before it reaches the database, where it used to become a 500.
  it.each([
    ['U+0000 in a text value (create)', 'POST', NOTES, '{"title":"a\\u0000b"}'],
    ['a lone surrogate in a text value (create)', 'POST', NOTES, '{"title":"\\ud800"}'],
    ['U+0000 in a text value (patch)', 'PATCH', '{doc}', '{"body":"x\\u0000"}'],
  ])('%s gets a 422 naming the field', async (_what, method, path, body) => {
    const before = await snapshot();
    const res = await t.app.request(path.replace('{doc}', url), raw(method, body));
    const problem = await expectProblem(res, 422);
    expect(problem.errors?.[0]).toMatchObject({ message: 'must not contain NUL characters or unpaired UTF-16 surrogates' });
    expect(await snapshot()).toEqual(before);
  });

  // "__proto__" is an unknown field like any other; it used to be dropped without a word.
  it('a field named "__proto__" is refused as an unknown field, on create and on patch', async () => {
    const res = await t.app.request(NOTES, raw('POST', '{"title":"proto","__proto__":{"priority":9}}'));
    const problem = await expectProblem(res, 422, NOTES);
    expect(problem.errors).toEqual([{ path: '/__proto__', message: 'unknown field' }]);
    const before = await snapshot();
    const patched = await expectProblem(await t.app.request(url, raw('PATCH', '{"__proto__":{"priority":9}}')), 422);
    expect(patched.errors).toEqual([{ path: '/__proto__', message: 'unknown field' }]);
    expect(await snapshot()).toEqual(before);
  });

  describe('x-request-id and the request log', () => {
    let counter = 0;
    const uniqueId = () => `test-${driver.name}-${++counter}`;
    const requestLinesOf = (id: string) => t.logs.filter((l) => l.requestId === id && isRequestLine(l));

    it('returns a valid incoming id and logs the request under it', async () => {
      for (const id of ['abc-123', 'proxy.id:7_x', 'A'.repeat(128), '00000000-0000-4000-8000-000000000000']) {
        const res = await t.app.request('/api/v1/forms', { headers: { 'x-request-id': id } });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-request-id')).toBe(id);
        const lines = requestLinesOf(id);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatchObject({ level: 'info', method: 'GET', path: '/api/v1/forms', status: 200 });
      }
    });

    it('puts the id in error bodies too', async () => {
      const id = uniqueId();
      const res = await t.app.request('/api/v1/forms/nope', { headers: { 'x-request-id': id } });
      expect(res.status).toBe(404);
      expect(res.headers.get('x-request-id')).toBe(id);
      expect(((await res.json()) as { requestId: string }).requestId).toBe(id);
    });

    it.each([
      ['with spaces', 'has spaces in it'],
      ['300 characters long', 'x'.repeat(300)],
      ['129 characters long', 'y'.repeat(129)],
      ['with a slash', 'a/b'],
      ['with non-ASCII letters', 'r\u00e9quest'],
      ['with quotes', '"quoted"'],
      ['empty', ''],
    ])('replaces an incoming id %s with a UUID of its own', async (_what, id) => {
      const before = t.logs.length;
      const res = await t.app.request(`${NOTES}?limit=1`, { headers: { 'x-request-id': id } });
      expect(res.status).toBe(200);
      const returned = res.headers.get('x-request-id');
      expect(returned).toMatch(RANDOM_UUID);
      expect(returned).not.toBe(id);
      const lines = t.logs.slice(before);
      expect(lines.filter(isRequestLine)).toEqual([expect.objectContaining({ requestId: returned, method: 'GET', path: NOTES, status: 200 })]);
      if (id !== '') for (const line of lines) expect(JSON.stringify(line)).not.toContain(JSON.stringify(id).slice(1, -1));
    });

    it('makes a different UUID for every request that brings none', async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 5; i++) {
        const id = (await t.app.request('/health/live')).headers.get('x-request-id');
        expect(id).toMatch(RANDOM_UUID);
        ids.add(id!);
      }
      expect(ids.size).toBe(5);
    });

    it('writes exactly one line per request with method, path without the query, status and durationMs', async () => {
      const created = await t.app.request(NOTES, jsonInit('POST', { title: 'logged' }, { 'x-request-id': uniqueId() }));
      expect(created.status).toBe(201);
      const doc = created.headers.get('location')!;
      const cases: { path: string; init?: RequestInit; method: string; loggedPath: string; status: number }[] = [
        { path: `${NOTES}?limit=2&cursor=c2VjcmV0LWN1cnNvcg`, method: 'GET', loggedPath: NOTES, status: 400 },
        { path: `${NOTES}?limit=2&mine=false`, method: 'GET', loggedPath: NOTES, status: 200 },
        { path: NOTES, init: jsonInit('POST', { title: 'one line' }), method: 'POST', loggedPath: NOTES, status: 201 },
        { path: NOTES, init: jsonInit('POST', { nope: 1 }), method: 'POST', loggedPath: NOTES, status: 422 },
        { path: `${doc}?token=hunter2`, init: jsonInit('PATCH', { title: 'patched' }), method: 'PATCH', loggedPath: doc, status: 200 },
        { path: `${doc}/history`, method: 'GET', loggedPath: `${doc}/history`, status: 200 },
        { path: '/no/such/path?q=1', method: 'GET', loggedPath: '/no/such/path', status: 404 },
        { path: '/health', method: 'GET', loggedPath: '/health', status: 200 },
      ];
      for (const c of cases) {
        const id = uniqueId();
        const init: RequestInit = { ...c.init, headers: { ...(c.init?.headers as Record<string, string> | undefined), 'x-request-id': id } };
        const res = await t.app.request(c.path, init);
        expect(res.status, `${c.method} ${c.path}`).toBe(c.status);
        const lines = t.logs.filter((l) => l.requestId === id);
        expect(lines, `${c.method} ${c.path}`).toHaveLength(1);
        const line = lines[0]!;
        expect(line).toMatchObject({ level: 'info', msg: 'request', method: c.method, path: c.loggedPath, status: c.status, service: 'formgate' });
        expect(line.durationMs).toEqual(expect.any(Number));
        expect(line.durationMs as number).toBeGreaterThanOrEqual(0);
        expect(JSON.stringify(line)).not.toContain('?');
      }
      const everything = JSON.stringify(t.logs);
      expect(everything).not.toContain('c2VjcmV0LWN1cnNvcg');
      expect(everything).not.toContain('hunter2');
    });

    it('logs a 5xx answer once, at error level, and never the bearer token', async () => {
      const guarded = await buildTestApp(driver, { database: t.database, protect: { forms: 'all', documents: 'all' }, authUrl: 'http://127.0.0.1:9/' });
      const id = uniqueId();
      const res = await guarded.app.request(NOTES, { headers: { 'x-request-id': id, authorization: 'Bearer very-secret-token-value' } });
      expect(res.status).toBe(503);
      const lines = guarded.requestLines(id);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 'error', method: 'GET', path: NOTES, status: 503 });
      // Besides the request line, one warning from the identity-service client says why, under the same id.
      const others = guarded.logs.filter((l) => l.requestId === id && !lines.includes(l));
      expect(others).toEqual([expect.objectContaining({ level: 'warn', msg: expect.stringContaining('identity service unavailable') })]);
      expect(JSON.stringify(guarded.logs)).not.toContain('very-secret-token-value');

      const anonymous = uniqueId();
      expect((await guarded.app.request(NOTES, { headers: { 'x-request-id': anonymous } })).status).toBe(401);
      expect(guarded.logs.filter((l) => l.requestId === anonymous)).toEqual([expect.objectContaining({ level: 'info', status: 401 })]);
    });
  });
});
