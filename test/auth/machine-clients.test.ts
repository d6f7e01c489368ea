import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askIdentityService } from '../../src/auth/call.ts';
import type { Verdict } from '../../src/auth/identity.ts';
import { protocolFor } from '../../src/auth/protocols/index.ts';
import { authConfig, buildTestApp, expectProblem, type TestApp } from '../support/app.ts';
import { DRIVERS } from '../support/databases.ts';
import { startIdentityServer, type IdentityServer, type ScriptedAnswer } from '../support/identity-server.ts';

/**
 * Machine clients under `--auth-protocol introspection`: a client-credentials token names no end user, so
 * the introspection answer has no `sub` and no `username`, only the `client_id` of the client that got it.
 * A real introspection endpoint on 127.0.0.1 answers as Keycloak and Auth0 do for such a token, and the
 * whole app (app.request, a PGlite database) is asked who the caller is and what it wrote.
 */

interface Me {
  caller: { authenticated: boolean; kind: string; userId?: string; groups: string[]; scopes: string[] };
}
interface Doc {
  id: string;
  createdBy: string | null;
  updatedBy: string | null;
}

const CLIENT_ID = 'formgate-api';
const CLIENT_SECRET = `cs-${randomBytes(9).toString('base64url')}`;
const INTROSPECTION = { protocol: 'introspection', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } as const;
const ME = '/api/v1/me';
const PRIVATE = '/api/v1/forms/private-notes/documents';

const soon = () => Math.floor(Date.now() / 1000) + 600;
const token = (label: string) => `${label}.${randomBytes(12).toString('base64url')}`;

// What the endpoint answers, per token; any other token is inactive.
const answers = new Map<string, () => Record<string, unknown>>();
const answering = (label: string, body: () => Record<string, unknown>): string => {
  const t = token(label);
  answers.set(t, body);
  return t;
};

// As Keycloak and Auth0 introspect a client-credentials token: the client, its scopes, no end user.
const REPORTING = answering('reporting', () => ({ active: true, client_id: 'reporting-job', scope: 'reports:read documents:write', token_type: 'Bearer', exp: soon(), iat: soon() - 900, iss: 'http://127.0.0.1/realms/acme' }));
// A person's token names the app they signed in to as client_id: the id is still theirs.
const PERSON = answering('person', () => ({ active: true, sub: '5f1e-9c2a', username: 'jdoe', client_id: 'formgate-web', scope: 'openid', exp: soon() }));
const BY_USERNAME = answering('username', () => ({ active: true, username: 'jdoe', client_id: 'formgate-web', exp: soon() }));
const NO_ID = answering('no-id', () => ({ active: true, scope: 'read', token_type: 'Bearer', exp: soon() }));

let server: IdentityServer;
let t: TestApp;

beforeAll(async () => {
  server = await startIdentityServer((call) => {
    const body = answers.get(call.token ?? '');
    const answer: ScriptedAnswer = { status: 200, body: body ? body() : { active: false } };
    return answer;
  });
  // forms=none lets an anonymous caller ask /me; documents=all makes every document request show its token.
  t = await buildTestApp(DRIVERS[0]!, { authUrl: server.url, auth: INTROSPECTION, protect: { forms: 'none', documents: 'all' } });
});

afterAll(async () => {
  await t?.close();
  await server?.close();
});

const callsFor = (tok: string): number => server.calls.filter((c) => c.token === tok).length;

async function send(path: string, options: { token?: string; method?: string; body?: unknown } = {}): Promise<Response> {
  return t.app.request(path, {
    method: options.method ?? 'GET',
    headers: {
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
}

async function json<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, text.slice(0, 500)).toBe(status);
  return JSON.parse(text) as T;
}

describe('GET /api/v1/me says what kind of caller it is', () => {
  it('a client-credentials token without sub is the machine client named by its client_id', async () => {
    const me = await json<Me>(await send(ME, { token: REPORTING }), 200);
    expect(me.caller).toEqual({ authenticated: true, kind: 'client', userId: 'reporting-job', groups: [], scopes: ['reports:read', 'documents:write'] });
    // Formgate asked as itself, with HTTP Basic, and the endpoint saw the client's token.
    const call = server.calls.findLast((c) => c.token === REPORTING)!;
    expect(call.headers.authorization).toBe(`Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`);
  });

  it('the kind is kept with the identity in the cache: the next request is a hit and still a client', async () => {
    const tok = answering('cached', () => ({ active: true, client_id: 'nightly-export', exp: soon() }));
    const first = await json<Me>(await send(ME, { token: tok }), 200);
    const second = await json<Me>(await send(ME, { token: tok }), 200);
    expect(callsFor(tok)).toBe(1);
    expect([first.caller.kind, second.caller.kind]).toEqual(['client', 'client']);
    expect(second.caller.userId).toBe('nightly-export');
  });

  it('a token with a sub is a person, whatever client_id it also names', async () => {
    const me = await json<Me>(await send(ME, { token: PERSON }), 200);
    expect(me.caller).toMatchObject({ authenticated: true, kind: 'person', userId: '5f1e-9c2a' });
  });

  it('a token with a username and no sub is a person too', async () => {
    const me = await json<Me>(await send(ME, { token: BY_USERNAME }), 200);
    expect(me.caller).toMatchObject({ kind: 'person', userId: 'jdoe' });
  });

  it('no token is the anonymous caller', async () => {
    const me = await json<Me>(await send(ME), 200);
    expect(me.caller).toEqual({ authenticated: false, kind: 'anonymous', groups: [], scopes: [] });
  });

  it('an active token with none of sub, username and client_id is a 502 naming all three', async () => {
    const problem = await expectProblem(await send(ME, { token: NO_ID }), 502, ME);
    expect(problem.detail).toBe(
      "The identity service didn't respond as expected at .sub: expected a non-empty string (or a non-empty .username, or for a machine client a non-empty .client_id) in an active token",
    );
  });
});

describe('what a machine client writes is its own', () => {
  it('a document created with the client token records the client id as creator, and only the client reads it back as its own', async () => {
    // private-notes: any identified caller may create and read, update or delete their own documents.
    const doc = await json<Doc>(await send(PRIVATE, { method: 'POST', token: REPORTING, body: { title: 'nightly figures' } }), 201);
    expect(doc).toMatchObject({ createdBy: 'reporting-job', updatedBy: 'reporting-job' });
    expect((await json<Doc>(await send(`${PRIVATE}/${doc.id}`, { token: REPORTING }), 200)).createdBy).toBe('reporting-job');
    await expectProblem(await send(`${PRIVATE}/${doc.id}`, { token: PERSON }), 404);
  });

  it('a refusal names it as a client, not as a user', async () => {
    // drop-box: anonymous callers may create, only staff may read.
    const problem = await expectProblem(await send('/api/v1/forms/drop-box/documents', { token: REPORTING }), 403);
    expect(problem.detail).toMatch(/^Client reporting-job may not /);
  });
});

describe('the introspection protocol reads client_id only when it is the id', () => {
  const ask = (body: Record<string, unknown>): Promise<Verdict> => {
    const tok = answering('direct', () => body);
    return askIdentityService(protocolFor(authConfig(server.url, INTROSPECTION)), tok, { url: server.url, timeoutMs: 2000 });
  };

  it('a client_id that breaks the user-id rule is ignored in a person token', async () => {
    expect(await ask({ active: true, sub: 'u-1', client_id: 'x'.repeat(300) })).toMatchObject({ kind: 'valid', identity: { kind: 'person', userId: 'u-1' } });
    expect(await ask({ active: true, sub: 'u-1', client_id: 42 })).toMatchObject({ kind: 'valid', identity: { kind: 'person', userId: 'u-1' } });
  });

  it.each<[string, unknown, string]>([
    ['empty', '', 'at .client_id: expected a non-empty string'],
    ['a number', 42, 'at .client_id: expected a non-empty string'],
    ['over 255 characters', 'x'.repeat(256), 'at .client_id: expected a user id of at most 255 characters (Unicode code points)'],
  ])('a client_id that is %s is a violation when it would be the id', async (_case, clientId, reason) => {
    expect(await ask({ active: true, client_id: clientId })).toMatchObject({ kind: 'failed', failure: { kind: 'violation', reason } });
  });

  it('a null client_id counts as absent', async () => {
    const verdict = await ask({ active: true, client_id: null });
    expect(verdict).toMatchObject({ kind: 'failed', failure: { kind: 'violation' } });
    if (verdict.kind === 'failed') expect(verdict.failure.reason).toMatch(/^at \.sub: .*\.username.*\.client_id/);
  });
});
