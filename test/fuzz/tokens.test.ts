import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, expectProblem, jsonInit, type TestApp } from '../support/app.ts';
import { DRIVERS } from '../support/databases.ts';
import { startIdentityServer, type IdentityServer, type ScriptedAnswer } from '../support/identity-server.ts';
import { expectWellFormedAnswer, headerValue, hostileJson, hostileString, runs, timeout } from './support.ts';

/**
 * Bearer tokens against a real (scripted) identity service, with every domain protected. Any Authorization
 * header and any answer of the service: the caller gets what the contract says for that answer (401, 502,
 * 503 with Retry-After, or the route's own answer), never a 500, always a problem; the service is asked
 * about exactly the token that was sent; and a user's documents are theirs whatever their id looks like.
 */

const NOTES = '/api/v1/forms/notes/documents';
const pglite = DRIVERS.find((d) => d.name === 'pglite')!;

let identity: IdentityServer;
let t: TestApp;

beforeAll(async () => {
  identity = await startIdentityServer();
  t = await buildTestApp(pglite, { authUrl: identity.url, protect: { forms: 'all', documents: 'all' } });
});
afterAll(async () => {
  await t?.close();
  await identity?.close();
});
beforeEach(() => void t.identityClient!.clearCache());

/**
 * User ids Formgate accepts (src/auth/user-id.ts, restated here so the test does not grade itself): at
 * most 255 code points (longer ones are tested in test/auth/user-ids.test.ts), not blank, no control
 * characters, line or paragraph separators or bidirectional controls, well-formed, no leading U+FEFF.
 * Ids with U+0000, half a surrogate pair or a leading U+FEFF are tested one by one at the end: PostgreSQL
 * cannot store the first as text, stores the second as U+FFFD, and PGlite drops the third's U+FEFF when
 * it reads the text back.
 */
const storableId = (text: string) =>
  [...text].length <= 255 && text.trim() !== '' && !/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(text) && text.isWellFormed() && !text.startsWith('\ufeff');

/** JS regex whitespace, which ends a bearer token. */
const WHITESPACE = /\s/;

/** A token as Node hands it over: latin-1 characters, unicode as its UTF-8 bytes; no whitespace; sometimes huge. */
const token = fc.oneof(
  { weight: 6, arbitrary: headerValue(60) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('a', 'Z', '.', '~', '\u00e9', '\u0001', '\u00ff'), fc.integer({ min: 1000, max: 64 * 1024 })).map(([c, n]) => c.repeat(n)) },
).filter((s) => s !== '' && !WHITESPACE.test(s));

/** Well-formed `Bearer <token>` headers (scheme in any case), and anything else a client might send. */
const authorization = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('bearer' as const), token, header: fc.constant('') }).chain((r) =>
      fc.tuple(fc.constantFrom('Bearer', 'bearer', 'BEARER', 'bEaReR'), fc.constantFrom(' ', '   ')).map(([scheme, gap]) => ({ ...r, header: `${scheme}${gap}${r.token}` })),
    ) },
  { weight: 1, arbitrary: fc.oneof(headerValue(80), fc.constantFrom('Bearer', 'Bearer\tabc', 'Bearer abc def', 'Basic dXNlcjpwYXNz', 'Token abc', 'Bearer,abc', 'Bearerabc')).map((header) => ({ kind: 'other' as const, token: undefined, header })) },
);

type Kind = 'identity' | 'rejected' | 'failing' | 'broken';

/** What the identity service answers, and what that should mean for the caller. */
const answer: fc.Arbitrary<{ kind: Kind; script: (token: string | undefined) => ScriptedAnswer; retryAfter?: string }> = fc.oneof(
  fc
    .record({ userId: hostileString(30).filter(storableId), name: fc.option(hostileString(20), { nil: undefined }), groups: fc.array(hostileString(10).filter((s) => s !== ''), { maxLength: 3 }) })
    .map((body) => ({ kind: 'identity' as const, script: () => ({ status: 200, body }) })),
  fc.constantFrom(401, 403).map((status) => ({ kind: 'rejected' as const, script: () => ({ status, body: { error: 'invalid_token' } }) })),
  fc
    .record({
      status: fc.constantFrom(429, 500, 502, 503, 504),
      // Only what Node's server will send: no control characters but tab.
      retryAfter: fc.option(fc.oneof(fc.integer({ min: -5, max: 100_000 }).map(String), headerValue(20).map((v) => v.replace(/[^\t\x20-\x7e\x80-\xff]/g, ''))), { nil: undefined }),
    })
    .map(({ status, retryAfter }) => ({
      kind: 'failing' as const,
      ...(retryAfter === undefined ? {} : { retryAfter }),
      script: () => ({ status, body: 'down', ...(retryAfter === undefined || retryAfter.trim() === '' ? {} : { headers: { 'retry-after': retryAfter } }) }),
    })),
  fc.constant({ kind: 'failing' as const, script: () => ({ hangUp: true }) }),
  // Answers that break the contract, some of them echoing the token back.
  fc.oneof(
    hostileJson(3).map((value) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value, userId: 42 } : value)),
    fc.constantFrom('{"userId":', 'not json', '', '{"userId":""}', '{"userId":"a","groups":[""]}', '{"userId":"a","ttl":-1}'),
  ).map((body) => ({ kind: 'broken' as const, script: (tok: string | undefined) => ({ status: 200, body: typeof body === 'string' ? body : { ...(body as object), echo: tok } }) })),
  fc.constantFrom(302, 400, 404, 418).map((status) => ({
    kind: 'broken' as const,
    // The echo in Location is cut short: a header beyond the HTTP client's limit is an unreadable answer (503).
    script: (tok: string | undefined) => ({ status, headers: { location: `http://127.0.0.1:1/?t=${encodeURIComponent((tok ?? '').slice(0, 200))}` }, body: `{"token":${JSON.stringify(tok ?? '')}}` }),
  })),
);

const ROUTES = [
  { name: 'list', path: NOTES, init: {} as RequestInit, ok: 200 },
  { name: 'create', path: NOTES, init: jsonInit('POST', { title: 'by a fuzzed caller' }), ok: 201 },
  { name: 'me', path: '/api/v1/me', init: {} as RequestInit, ok: 200 },
  { name: 'forms', path: '/api/v1/forms', init: {} as RequestInit, ok: 200 },
];

describe('bearer tokens with an identity service', () => {
  it('any Authorization header and any answer of the service gets the contract\'s status, and the service sees the token as sent', async () => {
    await fc.assert(
      fc.asyncProperty(authorization, answer, fc.constantFrom(...ROUTES), async (auth, service, route) => {
        t.identityClient!.clearCache();
        identity.answer((call) => service.script(call.token));
        const calls = identity.calls.length;
        const headers = new Headers(route.init.headers);
        headers.set('authorization', auth.header);
        const res = await t.app.request(route.path, { ...route.init, headers });
        const what = `${route.name} ${service.kind} ${JSON.stringify(auth.header.slice(0, 200))}`;
        const asked = identity.calls.slice(calls);
        const result = await expectWellFormedAnswer(res, what, { allowed: asked.length > 0 ? [502, 503] : [] });

        if (asked.length === 0) {
          // Not a bearer token at all: refused without asking anyone.
          expect(auth.kind, what).toBe('other');
          expect(result.status, what).toBe(401);
          expect(res.headers.get('www-authenticate'), what).toMatch(/^Bearer realm="formgate"/);
          return;
        }
        // One question per request (two when the service hung up: a dropped connection is retried once).
        expect(asked.length, what).toBeLessThanOrEqual(service.kind === 'failing' ? 2 : 1);
        if (auth.kind === 'bearer') expect(asked[0]!.token, what).toBe(auth.token);
        if (auth.token !== undefined && auth.token.length >= 12) expect(JSON.stringify(result.problem ?? {}), what).not.toContain(auth.token);

        switch (service.kind) {
          case 'identity':
            expect(result.status, what).toBe(route.ok);
            break;
          case 'rejected':
            expect(result.status, what).toBe(401);
            expect(res.headers.get('www-authenticate'), what).toContain('error="invalid_token"');
            break;
          case 'failing': {
            expect(result.status, what).toBe(503);
            const retryAfter = Number(res.headers.get('retry-after'));
            expect(retryAfter >= 1 && retryAfter <= 300, `${what}: Retry-After ${retryAfter}`).toBe(true);
            const sent = service.retryAfter?.trim();
            if (sent !== undefined && /^[0-9]+$/.test(sent)) expect(retryAfter).toBe(Math.min(300, Math.max(1, Number(sent))));
            break;
          }
          case 'broken':
            expect(result.status, what).toBe(502);
            break;
        }
      }),
      { numRuns: runs(150) },
    );
  }, timeout());

  it('a document belongs to its creator whatever an allowed user id holds (unicode, odd JSON)', async () => {
    // A new token for every case: the identity a token names is cached, and fast-check repeats values.
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(hostileString(30).filter(storableId), async (userId) => {
        identity.answer({ status: 200, body: { userId }, headers: { 'cache-control': 'max-age=60' } });
        const headers = { authorization: `Bearer fuzz-${++cases}` };
        const created = await t.app.request(NOTES, jsonInit('POST', { title: 'mine' }, headers));
        const answer = await expectWellFormedAnswer(created, `create as ${JSON.stringify(userId)}`);
        expect(answer.status).toBe(201);
        const doc = answer.body as { id: string; createdBy: string };
        expect(doc.createdBy).toBe(userId);
        const mine = await t.app.request(`${NOTES}?mine=true&limit=200`, { headers });
        const page = (await expectWellFormedAnswer(mine, `mine as ${JSON.stringify(userId)}`)).body as { items: { id: string; createdBy: string }[] };
        expect(page.items.map((d) => d.id), `mine as ${JSON.stringify(userId)}`).toContain(doc.id);
        const read = await t.app.request(`${NOTES}/${doc.id}`, { headers });
        expect(((await expectWellFormedAnswer(read, 'read')).body as { createdBy: string }).createdBy).toBe(userId);
      }),
      { numRuns: runs(60) },
    );
  }, timeout());

  // PostgreSQL text cannot hold U+0000 and turns a lone surrogate into U+FFFD, so such user ids break the
  // contract (502) instead of failing a write or merging two people into one.
  const asUser = async (userId: string, token: string) => {
    identity.answer((call) => (call.token === token ? { status: 200, body: { userId }, headers: { 'cache-control': 'max-age=60' } } : { status: 401 }));
    return { authorization: `Bearer ${token}` };
  };

  it('a user id holding U+0000 is a 502 naming .userId, not a 500 from the database', async () => {
    const headers = await asUser('a\u0000b', 'nul-user-token');
    const res = await t.app.request(NOTES, jsonInit('POST', { title: 'x' }, headers));
    const problem = await expectProblem(res, 502, NOTES);
    expect(problem.detail).toMatch(/at \.userId: expected a user id without control characters.*\(found U\+0000\)/);
  });

  it('a user id with a lone surrogate is a 502, so it cannot see the documents of the user whose id it would be stored as', async () => {
    const owner = await asUser('\ufffd', 'owner-token');
    const created = await t.app.request('/api/v1/forms/private-notes/documents', jsonInit('POST', { title: 'owner only' }, owner));
    expect(created.status).toBe(201);
    const other = await asUser('\ud800', 'other-token');
    const list = await t.app.request('/api/v1/forms/private-notes/documents?limit=200', { headers: other });
    await expectProblem(list, 502, '/api/v1/forms/private-notes/documents');
  });

  it('a user id with a leading U+FEFF is a 502: PGlite would read it back as the id without it', async () => {
    const owner = await asUser('bob', 'bob-token');
    const created = await t.app.request('/api/v1/forms/private-notes/documents', jsonInit('POST', { title: "bob's" }, owner));
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const other = await asUser('\ufeffbob', 'bom-bob-token');
    await expectProblem(await t.app.request(`/api/v1/forms/private-notes/documents/${id}`, { headers: other }), 502, `/api/v1/forms/private-notes/documents/${id}`);
  });
});
