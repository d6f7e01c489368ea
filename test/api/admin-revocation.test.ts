import { randomBytes } from 'node:crypto';
import { node, tracing } from '@opentelemetry/sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenKey } from '../../src/auth/identity-client.ts';
import { contractsOnlyHost } from '../../src/host.ts';
import { buildTestApp, expectProblem, streamInit, type TestApp } from '../support/app.ts';
import { DRIVERS } from '../support/databases.ts';
import { startIdentityServer, type IdentityServer } from '../support/identity-server.ts';

/**
 * The admin routes of revocation, in process on the embedded database (one replica): who may call them,
 * what they refuse, what they answer (checked against the OpenAPI document), the counters, the log line,
 * and that a revoked token appears nowhere: not in a log line, a span, a response or a problem.
 */

const exporter = new tracing.InMemorySpanExporter();
const provider = new node.NodeTracerProvider({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] });
provider.register();

const ADMIN = '/api/v1/admin/auth-cache';
const REVOCATIONS = '/api/v1/admin/auth-cache/revocations';
// Ten characters, the most of a body V8's JSON.parse quotes back in its message: any leak shows all of it.
const MARKER = `Rv${randomBytes(4).toString('hex')}`;
const ROOT = `${MARKER}-root`;
const ALICE = `${MARKER}-alice`;
const ALICE_2 = `${MARKER}-alice-2`;
const BOB = `${MARKER}-bob`;
const users: Record<string, { userId: string; groups?: string[] }> = {
  [ROOT]: { userId: 'root', groups: ['admin'] },
  [ALICE]: { userId: 'alice' },
  [ALICE_2]: { userId: 'alice' },
  [BOB]: { userId: 'bob' },
};

let server: IdentityServer;
let t: TestApp;
const responses: string[] = [];
const calls = (token: string) => server.calls.filter((c) => c.token === token).length;

async function send(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const { token, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
  const res = await t.app.request(path, { ...rest, headers });
  responses.push(await res.clone().text(), JSON.stringify([...res.headers]));
  return res;
}

const revokeBody = (token: unknown) => ({ method: 'POST', token: ROOT, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });

async function ok<T>(res: Response): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as T;
}

/** The members of a component schema of the published document: an answer has only these, and every required one. */
function expectShape(body: object, schemaName: string) {
  const document = contractsOnlyHost().getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'x', version: '1' } }) as { components: { schemas: Record<string, { properties: Record<string, unknown>; required?: string[] }> } };
  const schema = document.components.schemas[schemaName]!;
  for (const key of Object.keys(body)) expect(Object.keys(schema.properties), `${schemaName} has no member ${key}`).toContain(key);
  for (const key of schema.required ?? []) expect(body, `${schemaName} requires ${key}`).toHaveProperty(key);
}

beforeAll(async () => {
  server = await startIdentityServer((call) => {
    const user = users[call.token ?? ''];
    return user ? { status: 200, body: user } : { status: 401 };
  });
  t = await buildTestApp(DRIVERS[0]!, { authUrl: server.url, protect: { forms: 'all', documents: 'all' } });
});

afterAll(async () => {
  await t?.close();
  await server?.close();
});

describe('revocation through the admin API', () => {
  it('is for admins only: 401 without a token, 403 without the group, on every route', async () => {
    for (const [path, init] of [[ADMIN, { method: 'DELETE' }], [`${ADMIN}?user=alice`, { method: 'DELETE' }], [REVOCATIONS, { ...revokeBody(BOB), token: undefined }]] as const) {
      await expectProblem(await send(path, init), 401);
      await expectProblem(await send(path, { ...init, token: ALICE }), 403);
    }
  });

  it('DELETE empties the cache, says how many replicas were told, and logs who did it', async () => {
    await ok(await send('/api/v1/me', { token: ALICE }));
    const body = await ok<{ cleared: number; replicas: number }>(await send(ADMIN, { method: 'DELETE', token: ROOT }));
    expect(body).toEqual({ cleared: 2, replicas: 1 });
    expectShape(body, 'AuthCacheCleared');
    expect(t.logs.findLast((l) => l.msg === 'auth cache revocation')).toMatchObject({ level: 'info', revocation: { what: 'all' }, by: 'root', replicas: 1 });
  });

  it('?user= drops only that user’s identities: another user’s stays cached', async () => {
    for (const token of [ALICE, ALICE_2, BOB]) await ok(await send('/api/v1/me', { token }));
    const before = { alice: calls(ALICE), alice2: calls(ALICE_2), bob: calls(BOB) };
    const body = await ok<object>(await send(`${ADMIN}?user=alice`, { method: 'DELETE', token: ROOT }));
    expect(body).toEqual({ cleared: 2, replicas: 1, user: 'alice' });
    expectShape(body, 'AuthCacheCleared');
    for (const token of [ALICE, ALICE_2, BOB]) await ok(await send('/api/v1/me', { token }));
    expect({ alice: calls(ALICE), alice2: calls(ALICE_2), bob: calls(BOB) }).toEqual({ alice: before.alice + 1, alice2: before.alice2 + 1, bob: before.bob });
    expect(t.logs.findLast((l) => l.msg === 'auth cache revocation')).toMatchObject({ revocation: { what: 'user', user: 'alice' }, by: 'root' });
  });

  it.each([
    ['empty', ''],
    ['whitespace', '%20%20'],
    ['a control character', 'al%0Aice'],
    ['too long', 'a'.repeat(256)],
  ])('?user= that is %s is a 400 problem', async (_what, value) => {
    const problem = await expectProblem(await send(`${ADMIN}?user=${value}`, { method: 'DELETE', token: ROOT }), 400, ADMIN);
    expect(problem.detail).toMatch(/user/);
  });

  it('POST revocations drops one token’s answer; the log names its key’s first 8 characters, never the token', async () => {
    await ok(await send('/api/v1/me', { token: BOB }));
    await ok(await send('/api/v1/me', { token: ALICE }));
    const before = { bob: calls(BOB), alice: calls(ALICE) };
    const body = await ok<object>(await send(REVOCATIONS, revokeBody(BOB)));
    expect(body).toEqual({ cleared: 1, replicas: 1 });
    expectShape(body, 'AuthCacheCleared');
    await ok(await send('/api/v1/me', { token: BOB }));
    await ok(await send('/api/v1/me', { token: ALICE }));
    expect({ bob: calls(BOB), alice: calls(ALICE) }).toEqual({ bob: before.bob + 1, alice: before.alice });
    expect(t.logs.findLast((l) => l.msg === 'auth cache revocation')).toMatchObject({ revocation: { what: 'token', key: tokenKey(BOB).slice(0, 8) }, by: 'root' });
    // A token never seen is revoked all the same (nothing was cached).
    expect(await ok(await send(REVOCATIONS, revokeBody(`${MARKER}-unknown`)))).toEqual({ cleared: 0, replicas: 1 });
  });

  it('refuses a bad body with the problems of the other JSON routes, quoting nothing of it', async () => {
    const post = (body: string | undefined, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
      send(REVOCATIONS, { method: 'POST', token: ROOT, headers, ...(body === undefined ? {} : { body }) });
    const notJson = await expectProblem(await post(`{"token": "${MARKER}-broken`), 400, REVOCATIONS);
    expect(notJson.detail).toMatch(/not valid JSON/);
    await expectProblem(await post(`${MARKER}-bare`), 400, REVOCATIONS);
    for (const body of [{}, { token: '' }, { token: 42 }, [`${MARKER}-in-array`], `${MARKER}-string`]) {
      const problem = await expectProblem(await post(JSON.stringify(body)), 400, REVOCATIONS);
      expect(problem.detail).toMatch(/\{"token"/);
    }
    await expectProblem(await post(JSON.stringify({ token: BOB }), { 'content-type': 'text/plain' }), 415, REVOCATIONS);
    await expectProblem(await post(JSON.stringify({ token: `${MARKER}-${'x'.repeat(20_000)}` })), 413, REVOCATIONS);
    const chunked = await t.app.request(REVOCATIONS, streamInit('POST', [Buffer.from(JSON.stringify({ token: `${MARKER}-${'y'.repeat(20_000)}` }))], { 'content-type': 'application/json', authorization: `Bearer ${ROOT}` }));
    responses.push(await chunked.clone().text());
    await expectProblem(chunked, 413, REVOCATIONS);
  });

  it('counts revocations in GET /admin/auth-cache', async () => {
    const stats = await ok<{ revocations: Record<string, number> }>(await send(ADMIN, { token: ROOT }));
    expect(stats.revocations).toEqual({ emptied: 1, users: 1, tokens: 2, received: 0, held: 0 });
    expectShape(stats.revocations, 'RevocationStats');
  });

  it('never logs, traces or answers with a token', async () => {
    await provider.forceFlush();
    const spans = exporter.getFinishedSpans();
    expect(spans.length).toBeGreaterThan(0);
    const everything = [JSON.stringify(t.logs), JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status }))), ...responses].join('\n');
    expect(t.logs.length).toBeGreaterThan(10);
    expect(everything).not.toContain(MARKER);
    expect(everything).not.toContain(Buffer.from(MARKER.slice(0, 9)).toString('base64url'));
  });
});
