import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/logger.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { buildTestApp, jsonInit, type TestApp } from '../support/app.ts';
import { DRIVERS } from '../support/databases.ts';
import { FIXTURE_FORMS } from '../support/forms.ts';
import { expectWellFormedAnswer, headerValue, hostileString, runs, snapshotDocument, snapshotTables, timeout, type Snapshot } from './support.ts';

/**
 * Query strings, paths, methods and headers, on the in-memory database (the database plays no part in how
 * they are read). Properties: no 5xx, every error a problem, and nothing stored changes.
 */

const NOTES = '/api/v1/forms/notes/documents';
const pglite = DRIVERS.find((d) => d.name === 'pglite')!;

/** Percent-encodes every UTF-8 byte that is not unreserved; a half surrogate pair becomes U+FFFD, as a browser sends it. */
const percentEncode = (text: string): string =>
  [...Buffer.from(text, 'utf8')].map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

/** A value put into a URL: encoded, left raw for the URL parser to deal with, or broken percent-encoding. */
const urlPart = (text: fc.Arbitrary<string>) =>
  fc.oneof(text.map(percentEncode), text, fc.constantFrom('%', '%Z', '%ZZ', '%E0%A4', '%00', '%C0%AF', '%FF', '%25', '%2F', '%5C'));

let t: TestApp;
let seededId: string;
let deletedId: string;
let before: Snapshot;

beforeAll(async () => {
  t = await buildTestApp(pglite);
  for (let i = 0; i < 5; i++) expect((await t.app.request(NOTES, jsonInit('POST', { title: `note ${i}` }))).status).toBe(201);
  const seeded = (await (await t.app.request(NOTES, jsonInit('POST', { title: 'seeded', tags: ['red'] }))).json()) as { id: string };
  seededId = seeded.id;
  const doomed = (await (await t.app.request(NOTES, jsonInit('POST', { title: 'deleted' }))).json()) as { id: string };
  deletedId = doomed.id;
  expect((await t.app.request(`${NOTES}/${deletedId}`, { method: 'DELETE' })).status).toBe(204);
  before = await snapshotTables(t.database);
});
afterAll(() => t?.close());

describe('query strings of the document list', () => {
  it('any limit, cursor, mine and deleted (repeated, unknown, mis-encoded) is a page or a 400', async () => {
    const issued = (await (await t.app.request(`${NOTES}?limit=2`)).json()) as { nextCursor: string };
    const value = fc.oneof(
      hostileString(30),
      fc.constantFrom('true', 'false', 'TRUE', '1', '0', '', ' 5 ', '5.0', '1e2', '0x10', '-0', 'Infinity', 'NaN', '201', '200', '1'),
      fc.integer().map(String),
      fc.constant(issued.nextCursor),
      hostileString(60).map((s) => Buffer.from(`v1:${s}`).toString('base64url')),
    );
    const param = fc.tuple(fc.oneof(fc.constantFrom('limit', 'cursor', 'mine', 'deleted'), hostileString(10)), value);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(param, fc.boolean()), { maxLength: 6 }), async (params) => {
        const query = params.map(([[key, v], encode]) => (encode ? `${percentEncode(key)}=${percentEncode(v)}` : `${key}=${v}`)).join('&');
        const res = await t.app.request(`${NOTES}?${query}`);
        const answer = await expectWellFormedAnswer(res, `GET ?${query.slice(0, 300)}`);
        expect([200, 400], `?${query.slice(0, 300)}`).toContain(answer.status);
        if (answer.status === 200) {
          const page = answer.body as { items: unknown[]; nextCursor: string | null };
          expect(page.items.length).toBeLessThanOrEqual(200);
          expect(page.nextCursor === null || typeof page.nextCursor === 'string').toBe(true);
        }
      }),
      { numRuns: runs(200) },
    );
    expect(await snapshotTables(t.database)).toEqual(before);
  }, timeout());

  it('a limit that is one integer from 1 to 200 always gives a page of at most that many, and pages never repeat a document', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 200 }), fc.boolean(), async (limit, deleted) => {
        const seen = new Set<string>();
        let cursor: string | null = null;
        for (let page = 0; page < 10; page++) {
          const res = await t.app.request(`${NOTES}?limit=${limit}&deleted=${deleted}${cursor ? `&cursor=${cursor}` : ''}`);
          const { items, nextCursor } = (await res.json()) as { items: { id: string }[]; nextCursor: string | null };
          expect(res.status).toBe(200);
          expect(items.length).toBeLessThanOrEqual(limit);
          for (const { id } of items) {
            expect(seen.has(id)).toBe(false);
            seen.add(id);
          }
          cursor = nextCursor;
          if (cursor === null) break;
        }
        expect(seen.size).toBe(deleted ? 1 : 6);
      }),
      { numRuns: runs(20) },
    );
  }, timeout());
});

describe('paths and methods', () => {
  const METHODS = ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS', 'patch', 'delete', 'post', 'PROPFIND', 'M-SEARCH'];
  const segment = () =>
    fc.oneof(
      fc.constantFrom('api', 'v1', 'forms', 'notes', 'private-notes', 'drop-box', 'documents', 'history', 'restore', 'admin', 'auth-cache', 'me', 'health', 'live'),
      fc.constantFrom('.', '..', '%2e', '%2E%2e', '.%2e', '%2e.', '', '%2F', '..%2F..', '__proto__', 'constructor'),
      fc.constant('{seeded}'),
      fc.constant('{deleted}'),
      urlPart(hostileString(20)),
    );
  const path = fc.tuple(fc.constantFrom('/api/v1/forms/', `${NOTES}/`, '/'), fc.array(segment(), { minLength: 1, maxLength: 6 }), fc.constantFrom('', '/', '?x=1', '#frag'));

  it('any path under any method is answered without a 5xx, with a problem for every error, and changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(path, fc.constantFrom(...METHODS), fc.boolean(), async ([prefix, segments, suffix], method, upperId) => {
        const id = (text: string) => (upperId ? text.toUpperCase() : text);
        const target = prefix + segments.join('/').replaceAll('{seeded}', id(seededId)).replaceAll('{deleted}', id(deletedId)) + suffix;
        // Writes carry a body no form accepts and a version no document is at, so none of them may succeed.
        const write = !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
        const init: RequestInit = write ? { method, body: '{}', headers: { 'content-type': 'application/json', 'if-match': '"0"' } } : { method };
        const res = await t.app.request(target, init);
        await expectWellFormedAnswer(res, `${method} ${target.slice(0, 300)}`, { head: method === 'HEAD' });
        if (write) expect(res.status, `${method} ${target}`).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: runs(300) },
    );
    expect(await snapshotTables(t.database)).toEqual(before);
  }, timeout());
});

describe('headers', () => {
  const RANDOM_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const header = (name: string, value: fc.Arbitrary<string>) => fc.option(value.map((v) => [name, v] as const), { nil: undefined });

  it('any If-Match, Content-Type, Authorization, x-request-id or Accept on a write is answered without a 5xx, and only a 2xx changes the document', async () => {
    const huge = fc.tuple(fc.constantFrom('a', '"', ',', ' ', '\t', 'é', '\u0001'), fc.integer({ min: 1000, max: 20_000 })).map(([c, n]) => c.repeat(n));
    const headers = fc.tuple(
      header('if-match', fc.oneof(headerValue(), fc.constantFrom('*', '"1"', '"2"', 'W/"1"', '"1", "2"', '"', '""', ',', '*,*', '"99999999999"'), huge)),
      header('content-type', fc.oneof(headerValue(), fc.constantFrom('application/json', 'application/json;', 'application/json ; charset=latin1', 'application/json\t'), huge)),
      header('authorization', fc.oneof(headerValue(), fc.constantFrom('Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz'), huge.map((v) => `Bearer ${v}`))),
      header('x-request-id', fc.oneof(headerValue(), huge)),
      header('accept', headerValue()),
    );
    const action = fc.constantFrom('PATCH', 'DELETE', 'restore');
    await fc.assert(
      fc.asyncProperty(action, headers, async (what, pairs) => {
        const url = `${NOTES}/${seededId}`;
        const doc = await (await t.app.request(url)).text();
        const stored = await snapshotDocument(t.database, seededId);
        const init: RequestInit = {
          method: what === 'restore' ? 'POST' : what,
          headers: pairs.filter((p) => p !== undefined) as [string, string][],
          ...(what === 'PATCH' ? { body: '{"title":"changed by a header fuzz"}' } : {}),
        };
        const res = await t.app.request(what === 'restore' ? `${url}/restore` : url, init);
        const answer = await expectWellFormedAnswer(res, `${what} ${JSON.stringify(init.headers).slice(0, 400)}`);
        const sentId = new Headers(init.headers).get('x-request-id');
        const returnedId = res.headers.get('x-request-id');
        expect(returnedId === sentId || RANDOM_UUID.test(returnedId ?? '')).toBe(true);
        if (answer.status >= 400) {
          expect(await snapshotDocument(t.database, seededId)).toEqual(stored);
          expect(await (await t.app.request(url)).text()).toBe(doc);
          return;
        }
        // What was accepted is put back, so every case starts from the same document.
        if (what === 'DELETE') expect((await t.app.request(`${url}/restore`, { method: 'POST' })).status).toBe(200);
        if (what === 'PATCH' && answer.status === 200) expect((await t.app.request(url, jsonInit('PATCH', { title: 'seeded' }))).status).toBe(200);
      }),
      { numRuns: runs(120) },
    );
  }, timeout());
});

describe('paths through the real server', () => {
  let server: RunningServer;
  let port: number;

  beforeAll(async () => {
    const config = resolveConfig({ flags: { port: 0, 'database-url': 'memory://', protect: 'none', forms: FIXTURE_FORMS, 'log-level': 'silent' }, env: {}, defaultFormsPath: FIXTURE_FORMS });
    if (!config.ok) throw new Error(JSON.stringify(config.error));
    server = await startServer(config.value, createLogger('silent'));
    port = Number(new URL(server.url).port);
  });
  afterAll(() => server?.stop());

  /** One request with a request target exactly as given (no client normalises it), over a fresh connection. */
  const rawGet = (target: string) =>
    new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`));
      const chunks: Buffer[] = [];
      socket.setTimeout(5000, () => socket.destroy(new Error('no answer in 5 s')));
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', reject);
      socket.on('close', () => {
        const text = Buffer.concat(chunks).toString('latin1');
        const [head = '', body = ''] = text.split('\r\n\r\n');
        resolve({ status: Number(head.split(' ')[1]), type: /\r\ncontent-type: ([^\r]*)/i.exec(head)?.[1] ?? '', body });
      });
    });

  // Printable ASCII but space and backslash: what Node's HTTP parser lets through to Formgate. A backslash is
  // refused before the app by @hono/node-server (see the backslash test below).
  const targetChar = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)).filter((c) => c !== '\\');
  const rawSegment = fc.oneof(fc.string({ unit: targetChar, maxLength: 12 }), fc.constantFrom('.', '..', '%2e%2e', '%2F', '%00', '%ZZ', '{id}'));

  it('request targets the way they arrive on the wire are answered without a 5xx, with a problem for every error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/api/v1/forms/', `${NOTES}/`, '/', '//'), fc.array(rawSegment, { maxLength: 5 }), async (prefix, segments) => {
        const target = prefix + segments.join('/').replaceAll('{id}', '01938000-0000-7000-8000-000000000000');
        const answer = await rawGet(target);
        expect(answer.status, target).toBeLessThan(500);
        if (answer.status >= 400) {
          expect(answer.type, `${target}: ${answer.status}`).toMatch(/^application\/problem\+json/);
          expect(JSON.parse(answer.body)).toMatchObject({ status: answer.status, detail: expect.any(String) });
        }
      }),
      { numRuns: runs(60) },
    );
  }, timeout());

  // @hono/node-server cannot make a URL of this target and answers before the app sees the request;
  // server.ts gives it an error handler so that answer is a problem too.
  it('a backslash in the path is a 400 problem, not an empty 400', async () => {
    const answer = await rawGet('/api/v1/forms\\notes');
    expect(answer.status).toBe(400);
    expect(answer.type).toMatch(/^application\/problem\+json/);
  });
});
