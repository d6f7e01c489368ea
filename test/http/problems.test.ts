import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS } from '../support/databases.ts';
import { buildTestApp, expectProblem, jsonInit, streamInit, TEST_MAX_BODY_BYTES, type TestApp } from '../support/app.ts';

/**
 * Every error status the API promises, each provoked by a request, each answered as an RFC 9457 problem.
 * The last block closes this file's database, so it must stay last.
 */

interface Health {
  status: string;
  checks: Record<string, { componentType: string; status: string; observedUnit: string; output?: string }[]>;
}

interface Doc {
  id: string;
  version: number;
  data: Record<string, unknown>;
  deletedAt: string | null;
}

const NOTES = '/api/v1/forms/notes/documents';
const IDENTITY_SERVICE = 'http://127.0.0.1:9/';

describe.each(DRIVERS)('error responses on $name', (driver) => {
  let t: TestApp;
  let live: Doc;
  let gone: Doc;
  const request = (path: string, init?: RequestInit) => t.app.request(path, init);
  const read = async (id: string): Promise<Doc> => {
    const res = await request(`${NOTES}/${id}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Doc;
  };
  const titles = async (): Promise<unknown[]> => {
    const res = await request(`${NOTES}?limit=200`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: Doc[] }).items.map((d) => d.data.title);
  };

  beforeAll(async () => {
    t = await buildTestApp(driver);
    const a = await request(NOTES, jsonInit('POST', { title: 'live' }));
    const b = await request(NOTES, jsonInit('POST', { title: 'gone' }));
    expect([a.status, b.status]).toEqual([201, 201]);
    live = (await a.json()) as Doc;
    gone = (await b.json()) as Doc;
    expect((await request(`${NOTES}/${gone.id}`, { method: 'DELETE' })).status).toBe(204);
    gone = await read(gone.id);
  });
  afterAll(() => t?.close());

  describe('400 Bad Request', () => {
    it('for a body that is not JSON', async () => {
      const res = await request(NOTES, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title": "unfinished' });
      expect((await expectProblem(res, 400, NOTES)).detail).toMatch(/not valid JSON/);
    });

    it('for an empty body sent as JSON', async () => {
      await expectProblem(await request(NOTES, { method: 'POST', headers: { 'content-type': 'application/json' } }), 400, NOTES);
      await expectProblem(await request(`${NOTES}/${live.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '' }), 400);
    });

    it.each([
      ['limit=0', '/limit'],
      ['limit=201', '/limit'],
      ['limit=abc', '/limit'],
      ['limit=2.5', '/limit'],
      ['mine=maybe', '/mine'],
      ['deleted=yes', '/deleted'],
      [`cursor=${'c'.repeat(201)}`, '/cursor'],
    ])('for the query %s, naming the parameter', async (query, path) => {
      const problem = await expectProblem(await request(`${NOTES}?${query}`), 400, NOTES);
      expect(problem.errors?.map((e) => e.path)).toContain(path);
      for (const e of problem.errors ?? []) expect(e.message).toEqual(expect.any(String));
    });

    it('for a cursor the server never issued', async () => {
      const forged = Buffer.from('v1:not-a-uuid').toString('base64url');
      for (const cursor of ['bm9wZQ', forged, 'not base64 at all!']) {
        const problem = await expectProblem(await request(`${NOTES}?cursor=${encodeURIComponent(cursor)}`), 400, NOTES);
        expect(problem.detail).toMatch(/cursor/);
      }
    });

    it('for an If-Match that is not a list of quoted ETags, and changes nothing', async () => {
      const url = `${NOTES}/${live.id}`;
      for (const ifMatch of ['1', '"1', '1, 2', '']) {
        await expectProblem(await request(url, jsonInit('PATCH', { title: 'unquoted' }, { 'if-match': ifMatch })), 400, url);
      }
      await expectProblem(await request(url, { method: 'DELETE', headers: { 'if-match': '1' } }), 400, url);
      expect(await read(live.id)).toEqual(live);
    });
  });

  describe('401 Unauthorized and 503 from the identity-service edge', () => {
    let protectedApp: TestApp;
    let writesApp: TestApp;
    beforeAll(async () => {
      protectedApp = await buildTestApp(driver, { database: t.database, protect: { forms: 'all', documents: 'all' }, authUrl: IDENTITY_SERVICE });
      writesApp = await buildTestApp(driver, { database: t.database, protect: { forms: 'writes', documents: 'writes' }, authUrl: IDENTITY_SERVICE });
    });

    it('asks for a bearer token when none is sent', async () => {
      for (const path of [NOTES, `${NOTES}/${live.id}`, '/api/v1/forms', '/api/v1/forms/notes']) {
        const res = await protectedApp.app.request(path);
        expect(res.headers.get('www-authenticate')).toBe('Bearer realm="formgate"');
        await expectProblem(res, 401, path);
      }
      const post = await protectedApp.app.request(NOTES, jsonInit('POST', { title: 'anonymous write' }));
      expect(post.headers.get('www-authenticate')).toBe('Bearer realm="formgate"');
      await expectProblem(post, 401, NOTES);
      expect(await titles()).not.toContain('anonymous write');
    });

    it('refuses an Authorization header that is not a bearer token', async () => {
      for (const authorization of ['Basic x', 'Bearer', 'Bearer two tokens', 'Token abc']) {
        const res = await protectedApp.app.request(NOTES, { headers: { authorization } });
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="formgate"/);
        await expectProblem(res, 401, NOTES);
      }
    });

    it('answers 503 with Retry-After for a token it cannot check (nothing listens at the identity service)', async () => {
      const res = await protectedApp.app.request(NOTES, { headers: { authorization: 'Bearer some-token' } });
      expect(res.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      await expectProblem(res, 503, NOTES);
    });

    it('never asks for a token on /health, /openapi.json or /docs', async () => {
      for (const path of ['/health', '/health/live', '/openapi.json', '/docs']) {
        expect((await protectedApp.app.request(path)).status, path).toBe(200);
      }
    });

    it('with protect writes, lets an anonymous read through but not a write', async () => {
      const list = await writesApp.app.request(`${NOTES}?limit=200`);
      expect(list.status).toBe(200);
      expect(((await list.json()) as { items: Doc[] }).items.map((d) => d.id)).toContain(live.id);
      expect((await writesApp.app.request(`${NOTES}/${live.id}`)).status).toBe(200);
      expect((await writesApp.app.request('/api/v1/forms/notes')).status).toBe(200);

      await expectProblem(await writesApp.app.request(NOTES, jsonInit('POST', { title: 'x' })), 401, NOTES);
      await expectProblem(await writesApp.app.request(`${NOTES}/${live.id}`, jsonInit('PATCH', { title: 'x' })), 401);
      await expectProblem(await writesApp.app.request(`${NOTES}/${live.id}`, { method: 'DELETE' }), 401);
      await expectProblem(await writesApp.app.request(`${NOTES}/${gone.id}/restore`, { method: 'POST' }), 401);
      expect(await read(live.id)).toEqual(live);
      expect(await read(gone.id)).toEqual(gone);
    });
  });

  describe('403 Forbidden', () => {
    const PRIVATE = '/api/v1/forms/private-notes/documents';
    it('for an anonymous caller on private-notes, which grants anonymous callers nothing', async () => {
      await expectProblem(await request(PRIVATE), 403, PRIVATE);
      await expectProblem(await request(PRIVATE, jsonInit('POST', { title: 'sneaky' })), 403, PRIVATE);
      const one = `${PRIVATE}/${randomUUID()}`;
      await expectProblem(await request(one), 403, one);
      await expectProblem(await request(`${one}/history`), 403, `${one}/history`);
    });

    it('for an anonymous caller reading drop-box, where anonymous callers may only create', async () => {
      const DROP = '/api/v1/forms/drop-box/documents';
      const created = await request(DROP, jsonInit('POST', { message: 'hello' }));
      expect(created.status).toBe(201);
      const url = created.headers.get('location')!;
      await expectProblem(await request(url), 403, url);
      await expectProblem(await request(DROP), 403, DROP);
    });
  });

  describe('404 Not Found', () => {
    it.each([
      ['an unknown form', '/api/v1/forms/no-such-form/documents'],
      ['an unknown form definition', '/api/v1/forms/no-such-form'],
      ['an unknown document id', `${NOTES}/${'00000000-0000-4000-8000-000000000000'}`],
      ['the history of an unknown document', `${NOTES}/${'00000000-0000-4000-8000-000000000000'}/history`],
      ['a document id that is not a UUID', `${NOTES}/42`],
      ['an unknown path', '/api/v2/forms'],
      ['the root', '/'],
    ])('for %s', async (_what, path) => {
      await expectProblem(await request(path), 404, path);
    });

    it('for changes to a document that does not exist', async () => {
      const url = `${NOTES}/${randomUUID()}`;
      await expectProblem(await request(url, jsonInit('PATCH', { title: 'x' })), 404, url);
      await expectProblem(await request(url, { method: 'DELETE' }), 404, url);
      await expectProblem(await request(`${url}/restore`, { method: 'POST' }), 404, `${url}/restore`);
      await expectProblem(await request(`${NOTES}/not-a-uuid`, jsonInit('PATCH', { title: 'x' })), 404);
    });

    it('for a form that does not exist, even with a valid body', async () => {
      const path = '/api/v1/forms/no-such-form/documents';
      await expectProblem(await request(path, jsonInit('POST', { title: 'x' })), 404, path);
    });
  });

  describe('409 Conflict', () => {
    it('for a change to a deleted document, a second delete, and restoring a live one; nothing changes', async () => {
      const goneUrl = `${NOTES}/${gone.id}`;
      await expectProblem(await request(goneUrl, jsonInit('PATCH', { title: 'edit while deleted' })), 409, goneUrl);
      await expectProblem(await request(goneUrl, { method: 'DELETE' }), 409, goneUrl);
      const restoreLive = `${NOTES}/${live.id}/restore`;
      await expectProblem(await request(restoreLive, { method: 'POST' }), 409, restoreLive);
      expect(await read(gone.id)).toEqual(gone);
      expect(await read(live.id)).toEqual(live);
    });
  });

  describe('412 Precondition Failed', () => {
    it('for a PATCH, DELETE or restore at a version that is no longer current; nothing changes', async () => {
      const url = `${NOTES}/${live.id}`;
      const stale = `"${live.version + 1}"`;
      await expectProblem(await request(url, jsonInit('PATCH', { title: 'stale' }, { 'if-match': stale })), 412, url);
      await expectProblem(await request(url, { method: 'DELETE', headers: { 'if-match': stale } }), 412, url);
      const restore = `${NOTES}/${gone.id}/restore`;
      await expectProblem(await request(restore, { method: 'POST', headers: { 'if-match': `"${gone.version + 5}"` } }), 412, restore);
      expect(await read(live.id)).toEqual(live);
      expect(await read(gone.id)).toEqual(gone);
    });
  });

  describe('413 Content Too Large', () => {
    const big = JSON.stringify({ title: 'too big', body: 'x'.repeat(TEST_MAX_BODY_BYTES) });

    it('for a body whose Content-Length is over the limit', async () => {
      const res = await request(NOTES, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(big)) },
        body: big,
      });
      const problem = await expectProblem(res, 413, NOTES);
      expect(problem.limit).toBe(TEST_MAX_BODY_BYTES);
      expect(await titles()).not.toContain('too big');
    });

    // Node's parser refuses such headers before Formgate sees them; another adapter might pass them on.
    it.each(['abc', '10, 10', '', '1e3'])('but 400 for a body whose Content-Length is %j', async (length) => {
      const res = await request(NOTES, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': length }, body: big });
      const problem = await expectProblem(res, 400, NOTES);
      expect(problem.detail).toMatch(/Content-Length/);
      expect(await titles()).not.toContain('too big');
    });

    it('for a chunked body (no Content-Length) that grows over the limit', async () => {
      const bytes = new TextEncoder().encode(big);
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += 1024) chunks.push(bytes.slice(i, i + 1024));
      await expectProblem(await request(NOTES, streamInit('POST', chunks)), 413, NOTES);
      const url = `${NOTES}/${live.id}`;
      await expectProblem(await request(url, streamInit('PATCH', [bytes])), 413, url);
      expect(await titles()).not.toContain('too big');
      expect(await read(live.id)).toEqual(live);
    });

    it('but takes a chunked body under the limit', async () => {
      const bytes = new TextEncoder().encode(JSON.stringify({ title: 'chunked, small' }));
      const res = await request(NOTES, streamInit('POST', [bytes.slice(0, 4), bytes.slice(4)]));
      expect(res.status).toBe(201);
      expect(((await res.json()) as Doc).data.title).toBe('chunked, small');
    });
  });

  describe('415 Unsupported Media Type', () => {
    it('for a text/plain body and for a body without a content type', async () => {
      const text = await request(NOTES, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"title":"as text"}' });
      expect((await expectProblem(text, 415, NOTES)).detail).toMatch(/text\/plain/);
      // A byte body gets no default content type, unlike a string one.
      const untyped = new TextEncoder().encode('{"title":"untyped"}');
      await expectProblem(await request(NOTES, { method: 'POST', body: untyped }), 415, NOTES);
      await expectProblem(await request(NOTES, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'title=form' }), 415, NOTES);
      const url = `${NOTES}/${live.id}`;
      await expectProblem(await request(url, { method: 'PATCH', headers: { 'content-type': 'text/plain' }, body: '{"title":"x"}' }), 415, url);
      expect(await titles()).not.toContain('as text');
      expect(await titles()).not.toContain('untyped');
      expect(await read(live.id)).toEqual(live);
    });
  });

  describe('422 Unprocessable Content', () => {
    it('names every invalid field: a missing required one and an unknown one', async () => {
      const problem = await expectProblem(await request(NOTES, jsonInit('POST', { body: 'no title', colour: 'red' })), 422, NOTES);
      expect(problem.errors).toEqual(
        expect.arrayContaining([
          { path: '/title', message: expect.any(String) },
          { path: '/colour', message: expect.any(String) },
        ]),
      );
      expect(problem.errors).toHaveLength(2);
    });

    it('names a broken constraint inside a field', async () => {
      const problem = await expectProblem(await request(NOTES, jsonInit('POST', { title: 'ok', priority: 9, tags: ['red', 'purple'] })), 422, NOTES);
      expect(problem.errors?.map((e) => e.path).sort()).toEqual(['/priority', '/tags/1']);
    });

    it.each([
      ['a JSON array', '[{"title":"in an array"}]'],
      ['JSON null', 'null'],
      ['a JSON string', '"title"'],
      ['a JSON number', '42'],
    ])('for %s instead of an object', async (_what, body) => {
      const problem = await expectProblem(await request(NOTES, { method: 'POST', headers: { 'content-type': 'application/json' }, body }), 422, NOTES);
      expect(problem.errors).toEqual(expect.arrayContaining([{ path: '', message: expect.any(String) }]));
      const url = `${NOTES}/${live.id}`;
      await expectProblem(await request(url, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body }), 422, url);
      expect(await read(live.id)).toEqual(live);
    });

    it('for a PATCH that clears a required field, and the document stays as it was', async () => {
      const url = `${NOTES}/${live.id}`;
      const problem = await expectProblem(await request(url, jsonInit('PATCH', { title: null })), 422, url);
      expect(problem.errors).toEqual([{ path: '/title', message: expect.any(String) }]);
      expect(await read(live.id)).toEqual(live);
    });
  });

  // Last: it closes the database every block above uses. A separate app instance on that database
  // plays the server whose database went away.
  describe('503 Service Unavailable when the database is gone', () => {
    let down: TestApp;
    beforeAll(async () => {
      down = await buildTestApp(driver, { database: t.database });
      expect((await down.app.request('/health')).status).toBe(200);
      await t.close();
    });

    it('answers document requests with 503 and Retry-After, never a 500', async () => {
      const liveUrl = `${NOTES}/${live.id}`;
      const requests: [string, RequestInit | undefined][] = [
        [NOTES, undefined],
        [NOTES, jsonInit('POST', { title: 'during the outage' })],
        [liveUrl, undefined],
        [liveUrl, jsonInit('PATCH', { title: 'x' })],
        [liveUrl, { method: 'DELETE' }],
        [`${NOTES}/${gone.id}/restore`, { method: 'POST' }],
        [`${liveUrl}/history`, undefined],
      ];
      for (const [path, init] of requests) {
        const res = await down.app.request(path, init);
        expect(res.headers.get('retry-after'), `${init?.method ?? 'GET'} ${path}`).toMatch(/^[1-9]\d*$/);
        expect((await expectProblem(res, 503, path)).detail).toMatch(/database/i);
      }
    });

    it('fails GET /health with 503, application/health+json and a failing database:responseTime check', async () => {
      const res = await down.app.request('/health');
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/^application\/health\+json(;|$)/);
      const body = (await res.json()) as Health;
      expect(body.status).toBe('fail');
      expect(body.checks['database:responseTime']).toEqual([
        expect.objectContaining({ componentType: 'datastore', status: 'fail', observedUnit: 'ms', output: 'the check failed' }),
      ]);
      // The driver's reason is for the operator's log, not for a public endpoint.
      const requestId = res.headers.get('x-request-id');
      expect(down.logs.some((l) => l.requestId === requestId && l.msg === 'health check failed' && typeof l.reason === 'string')).toBe(true);
    });

    it('logs the failure once, on the request line, without the submitted values', async () => {
      const secretValue = 'do-not-log-this-answer';
      const res = await down.app.request(NOTES, jsonInit('POST', { title: secretValue }));
      await expectProblem(res, 503, NOTES);
      const lines = down.requestLines(res.headers.get('x-request-id')!);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ status: 503, error: { type: expect.any(String), message: expect.any(String) } });
      expect(JSON.stringify(down.logs)).not.toContain(secretValue);
    });

    it('still answers the routes that need no database', async () => {
      expect((await down.app.request('/health/live')).status).toBe(200);
      expect((await down.app.request('/api/v1/forms')).status).toBe(200);
      expect((await down.app.request('/api/v1/forms/notes')).status).toBe(200);
    });
  });
});
