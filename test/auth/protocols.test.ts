import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askIdentityService, MAX_ANSWER_BYTES } from '../../src/auth/call.ts';
import { describeViolation, type ContractViolation, type Freshness, type Identity, type ServiceUnavailable, type Verdict } from '../../src/auth/identity.ts';
import { protocolFor } from '../../src/auth/protocols/index.ts';
import type { AuthConfig } from '../../src/auth/settings.ts';
import { authConfig } from '../support/app.ts';
import { startIdentityServer, type IdentityServer, type RecordedCall } from '../support/identity-server.ts';

/**
 * Each protocol's request and its reading of every kind of answer, through the real HTTP client against a
 * real scripted identity service on 127.0.0.1: what reaches the service, and which verdict comes back.
 */

const newToken = () => `tok-${randomUUID()}`;

function ask(server: IdentityServer, token: string, overrides: Partial<AuthConfig> = {}, options: { timeoutMs?: number; requestId?: string; url?: string } = {}): Promise<Verdict> {
  const url = options.url ?? server.url;
  return askIdentityService(protocolFor(authConfig(url, overrides)), token, {
    url,
    timeoutMs: options.timeoutMs ?? 2000,
    ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
  });
}

function valid(verdict: Verdict): { identity: Identity; freshness: Freshness } {
  if (verdict.kind !== 'valid') throw new Error(`expected a valid verdict, got ${JSON.stringify(verdict)}`);
  return verdict;
}

function violationOf(verdict: Verdict): ContractViolation {
  if (verdict.kind !== 'failed' || verdict.failure.kind !== 'violation') throw new Error(`expected a contract violation, got ${JSON.stringify(verdict)}`);
  return verdict.failure;
}

function unavailableOf(verdict: Verdict): ServiceUnavailable {
  if (verdict.kind !== 'failed' || verdict.failure.kind !== 'unavailable') throw new Error(`expected the service to be unavailable, got ${JSON.stringify(verdict)}`);
  return verdict.failure;
}

function lastCall(server: IdentityServer): RecordedCall {
  const call = server.calls.at(-1);
  if (call === undefined) throw new Error('the identity service got no call');
  return call;
}

/** A JSON text of exactly `bytes` bytes that is a valid UserInfo, padded with a member services may add. */
function userInfoOfSize(bytes: number): string {
  const empty = JSON.stringify({ userId: 'alice', padding: '' });
  return JSON.stringify({ userId: 'alice', padding: 'x'.repeat(bytes - Buffer.byteLength(empty)) });
}

describe('the formgate protocol', () => {
  let server: IdentityServer;
  beforeAll(async () => {
    server = await startIdentityServer();
  });
  afterAll(() => server?.close());

  it('POSTs the token as JSON with the request id', async () => {
    server.answer({ status: 200, body: { userId: 'alice' } });
    const token = newToken();
    const requestId = randomUUID();
    valid(await ask(server, token, {}, { requestId }));
    const call = lastCall(server);
    expect(call.method).toBe('POST');
    expect(call.path).toBe('/validate');
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.headers.accept).toBe('application/json');
    expect(call.headers['x-request-id']).toBe(requestId);
    expect(JSON.parse(call.body)).toEqual({ token });
    // The token travels in the body only: nothing else in the request may carry it.
    expect(call.headers.authorization).toBeUndefined();
  });

  it('sends no x-request-id when there is no request to name', async () => {
    server.answer({ status: 200, body: { userId: 'alice' } });
    valid(await ask(server, newToken()));
    expect(lastCall(server).headers['x-request-id']).toBeUndefined();
  });

  it('reads a full UserInfo into the identity and its freshness', async () => {
    server.answer({
      status: 200,
      headers: { 'cache-control': 'private, max-age=90' },
      body: {
        userId: 'alice',
        name: 'Alice Example',
        email: 'alice@example.com',
        groups: ['staff', 'reviewers'],
        scopes: ['forms:write', 'forms:read'],
        ttl: 120,
        expiresAt: '2030-01-02T03:04:05Z',
      },
    });
    const { identity, freshness } = valid(await ask(server, newToken()));
    expect(identity).toEqual({ kind: 'person', userId: 'alice', name: 'Alice Example', email: 'alice@example.com', groups: ['staff', 'reviewers'], scopes: ['forms:write', 'forms:read'] });
    expect(freshness).toEqual({ ttlS: 120, maxAgeS: 90, expiresAtMs: Date.UTC(2030, 0, 2, 3, 4, 5), expiresAtField: 'expiresAt', noStore: false });
  });

  it('reads an expiresAt with a numeric offset as the same instant', async () => {
    server.answer({ status: 200, body: { userId: 'alice', expiresAt: '2030-01-02T05:04:05.250+02:00' } });
    const { freshness } = valid(await ask(server, newToken()));
    expect(freshness.expiresAtMs).toBe(Date.UTC(2030, 0, 2, 3, 4, 5, 250));
  });

  it.each(['no-store', 'no-cache', 'max-age=600, No-Store'])('marks an answer with Cache-Control: %s as not to be kept', async (header) => {
    server.answer({ status: 200, headers: { 'cache-control': header }, body: { userId: 'alice', ttl: 60 } });
    const { freshness } = valid(await ask(server, newToken()));
    expect(freshness.noStore).toBe(true);
  });

  it('accepts the minimal UserInfo: a userId alone', async () => {
    server.answer({ status: 200, body: { userId: 'svc-importer' } });
    const { identity, freshness } = valid(await ask(server, newToken()));
    expect(identity).toStrictEqual({ kind: 'person', userId: 'svc-importer', groups: [], scopes: [] });
    expect(freshness).toStrictEqual({ noStore: false });
  });

  it('treats null optional members as absent', async () => {
    server.answer({ status: 200, body: { userId: 'bob', name: null, email: null, groups: null, scopes: null, ttl: null, expiresAt: null } });
    const { identity, freshness } = valid(await ask(server, newToken()));
    expect(identity).toStrictEqual({ kind: 'person', userId: 'bob', groups: [], scopes: [] });
    expect(freshness).toStrictEqual({ noStore: false });
  });

  it('ignores members it does not know', async () => {
    server.answer({ status: 200, body: { userId: 'carol', groups: ['staff'], tenant: 'acme', roles: ['admin'], meta: { createdAt: 1 } } });
    const { identity } = valid(await ask(server, newToken()));
    expect(identity).toStrictEqual({ kind: 'person', userId: 'carol', groups: ['staff'], scopes: [] });
  });

  it.each([401, 403])('takes %i as a rejected token', async (status) => {
    server.answer({ status, body: { error: 'invalid_token' } });
    expect(await ask(server, newToken())).toEqual({ kind: 'rejected', status });
  });

  it.each([429, 500, 502, 503, 504])('takes %i as the service being unavailable, not as a verdict on the token', async (status) => {
    server.answer({ status, body: { error: 'busy' } });
    const failure = unavailableOf(await ask(server, newToken()));
    expect(failure).toEqual({ kind: 'unavailable', reason: `the identity service answered ${status}`, status });
  });

  it.each([
    ['7', 7],
    ['0', 1],
    ['86400', 300],
  ])('passes on Retry-After: %s as %i seconds', async (header, seconds) => {
    server.answer({ status: 503, headers: { 'retry-after': header } });
    expect(unavailableOf(await ask(server, newToken())).retryAfterS).toBe(seconds);
  });

  it('reads a Retry-After HTTP-date as the seconds until then', async () => {
    server.answer(() => ({ status: 429, headers: { 'retry-after': new Date(Date.now() + 120_000).toUTCString() } }));
    const { retryAfterS } = unavailableOf(await ask(server, newToken()));
    // The date has whole seconds, so up to one second is lost; the call itself takes a little more.
    expect(retryAfterS).toBeGreaterThanOrEqual(115);
    expect(retryAfterS).toBeLessThanOrEqual(120);
  });

  it('clamps a Retry-After HTTP-date to between 1 s and 5 min', async () => {
    server.answer({ status: 503, headers: { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' } });
    expect(unavailableOf(await ask(server, newToken())).retryAfterS).toBe(1);
    server.answer({ status: 503, headers: { 'retry-after': new Date(Date.now() + 86_400_000).toUTCString() } });
    expect(unavailableOf(await ask(server, newToken())).retryAfterS).toBe(300);
  });

  it('leaves out a Retry-After it cannot read', async () => {
    server.answer({ status: 503, headers: { 'retry-after': 'soon' } });
    const failure = unavailableOf(await ask(server, newToken()));
    expect(failure).not.toHaveProperty('retryAfterS');
  });

  it.each([400, 404, 405, 418])('takes %i as a contract violation naming the status', async (status) => {
    server.answer({ status, body: { error: 'nope' } });
    const failure = violationOf(await ask(server, newToken()));
    expect(failure.status).toBe(status);
    expect(failure.reason).toMatch(new RegExp(`^with status ${status}; expected 200 with a UserInfo object`));
  });

  it('does not follow a redirect: the token stays away from where it points', async () => {
    const elsewhere = await startIdentityServer({ status: 200, body: { userId: 'mallory' } });
    try {
      server.answer({ status: 302, headers: { location: elsewhere.url } });
      const failure = violationOf(await ask(server, newToken()));
      expect(failure.status).toBe(302);
      expect(failure.reason).toMatch(/^with status 302 \(a redirect: point the URL at the endpoint itself\)/);
      expect(elsewhere.calls).toHaveLength(0);
      expect(elsewhere.connections()).toBe(0);
    } finally {
      await elsewhere.close();
    }
  });

  describe('a 200 whose body does not fit', () => {
    it.each<[string, unknown, string]>([
      ['an empty userId', { userId: '' }, 'at .userId: expected a non-empty string'],
      ['no userId', { name: 'Alice' }, 'at .userId: expected a non-empty string'],
      ['a null userId', { userId: null }, 'at .userId: expected a non-empty string'],
      ['a numeric userId', { userId: 42 }, 'at .userId: expected a non-empty string'],
      ['a name that is not a string', { userId: 'a', name: 7 }, 'at .name: expected a string'],
      ['an email that is not a string', { userId: 'a', email: ['a@example.com'] }, 'at .email: expected a string'],
      ['groups that are a string', { userId: 'a', groups: 'staff' }, 'at .groups: expected an array of non-empty strings'],
      ['a group that is not a string', { userId: 'a', groups: ['staff', 3] }, 'at .groups[1]: expected a non-empty string'],
      ['an empty group', { userId: 'a', groups: ['staff', 'editors', ''] }, 'at .groups[2]: expected a non-empty string'],
      ['a scope that is not a string', { userId: 'a', scopes: [{ name: 'read' }] }, 'at .scopes[0]: expected a non-empty string'],
      ['a negative ttl', { userId: 'a', ttl: -1 }, 'at .ttl: expected a number of seconds, 0 or more'],
      ['a ttl as text', { userId: 'a', ttl: '60' }, 'at .ttl: expected a number of seconds'],
      ['an expiresAt that is not RFC 3339', { userId: 'a', expiresAt: 'tomorrow' }, 'at .expiresAt: expected an RFC 3339 date-time with a time zone, such as 2026-01-01T12:00:00Z'],
      ['an expiresAt without a time zone', { userId: 'a', expiresAt: '2030-01-01T12:00:00' }, 'at .expiresAt: expected an RFC 3339 date-time with a time zone, such as 2026-01-01T12:00:00Z'],
      ['an expiresAt as epoch seconds', { userId: 'a', expiresAt: 1893456000 }, 'at .expiresAt: expected an RFC 3339 date-time with a time zone, such as 2026-01-01T12:00:00Z'],
      ['an array', [{ userId: 'a' }], 'at the top level: expected a JSON object'],
      ['a JSON string', 'alice', 'at the top level: expected a JSON object'],
      ['JSON null', null, 'at the top level: expected a JSON object'],
    ])('is a violation for %s', async (_case, body, reason) => {
      // Sent as JSON text, so that strings and null reach the client as JSON values too.
      server.answer({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const failure = violationOf(await ask(server, newToken()));
      expect(failure.reason).toBe(reason);
      expect(failure.status).toBe(200);
    });

    it('is a violation for an empty body', async () => {
      server.answer({ status: 200 });
      expect(violationOf(await ask(server, newToken())).reason).toBe('at the top level: expected a JSON object, got an empty body');
    });

    it('is a violation for a body that is not JSON, naming its content type', async () => {
      server.answer({ status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<html><body>Sign in</body></html>' });
      expect(violationOf(await ask(server, newToken())).reason).toBe('at the top level: expected a JSON object, got a body that is not JSON (text/html)');
    });

    it('gives the sentence a 502 and check-auth show', async () => {
      server.answer({ status: 200, body: { userId: '' } });
      expect(describeViolation(violationOf(await ask(server, newToken())))).toBe("The identity service didn't respond as expected at .userId: expected a non-empty string");
    });

    it('carries what the answer looked like for the log, never what it said', async () => {
      const token = newToken();
      server.answer((call) => ({ status: 200, body: { userId: '', echo: `you sent ${call.token}`, password: 'hunter2', profile: { apiKey: 'k-123' } } }));
      const failure = violationOf(await ask(server, token));
      expect(failure.answer).toStrictEqual({ bytes: expect.any(Number), contentType: 'application/json', json: 'object', members: ['userId'], otherMembers: 3 });
      for (const value of [token, 'hunter2', 'k-123', 'echo', 'password']) expect(JSON.stringify(failure)).not.toContain(value);
    });

    it('carries a body that is not JSON as its size and media type only', async () => {
      const token = newToken();
      server.answer((call) => ({ status: 404, headers: { 'content-type': 'text/plain' }, body: `no route for token ${call.token}` }));
      const failure = violationOf(await ask(server, token));
      expect(failure.answer).toStrictEqual({ bytes: 19 + token.length, contentType: 'text/plain', json: 'not JSON' });
    });

    it('does not name a media type it does not know, since the header could echo the token', async () => {
      const token = newToken();
      server.answer((call) => ({ status: 200, headers: { 'content-type': `text/${call.token}` }, body: 'x' }));
      const failure = violationOf(await ask(server, token));
      expect(failure.reason).toBe('at the top level: expected a JSON object, got a body that is not JSON');
      expect(failure.answer?.contentType).toBe('other');
      expect(JSON.stringify(failure)).not.toContain(token);
    });
  });

  describe('an answer larger than MAX_ANSWER_BYTES', () => {
    it('is read when it is exactly the limit', async () => {
      const text = userInfoOfSize(MAX_ANSWER_BYTES);
      server.answer({ status: 200, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: text });
      expect(valid(await ask(server, newToken())).identity.userId).toBe('alice');
    });

    it('is a violation when its Content-Length says so', async () => {
      const text = userInfoOfSize(MAX_ANSWER_BYTES + 1);
      server.answer({ status: 200, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }, body: text });
      const failure = violationOf(await ask(server, newToken()));
      expect(failure.reason).toBe('with a body larger than 256 KiB');
    });

    it('is a violation when it is sent chunked, without a Content-Length', async () => {
      const text = userInfoOfSize(MAX_ANSWER_BYTES + 1);
      server.answer({ status: 200, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: text });
      // The case is only the one meant if the service really declared no length.
      const direct = await fetch(server.url, { method: 'POST', body: '{}' });
      expect(direct.headers.get('content-length')).toBeNull();
      expect(direct.headers.get('transfer-encoding')).toBe('chunked');
      expect((await direct.text()).length).toBe(MAX_ANSWER_BYTES + 1);

      const failure = violationOf(await ask(server, newToken()));
      expect(failure.reason).toBe('with a body larger than 256 KiB');
    });
  });
});

describe('a service that does not answer', () => {
  let server: IdentityServer;
  beforeAll(async () => {
    server = await startIdentityServer();
  });
  afterAll(() => server?.close());

  it('is unavailable once the timeout passes, long before the service would answer', async () => {
    server.answer({ status: 200, body: { userId: 'alice' }, delayMs: 5000 });
    const started = performance.now();
    const failure = unavailableOf(await ask(server, newToken(), {}, { timeoutMs: 200 }));
    const elapsed = performance.now() - started;
    expect(failure.reason).toBe('the identity service did not answer within 200 ms');
    // The bound is the behaviour: the verdict comes from the timeout, not from the service's late answer.
    expect(elapsed).toBeLessThan(2500);
  });

  it('is unavailable when it hangs up without an answer', async () => {
    server.answer({ hangUp: true });
    const before = server.calls.length;
    const failure = unavailableOf(await ask(server, newToken()));
    expect(failure.reason).toMatch(/^the identity service could not be reached \(/);
    // The request did arrive, twice (one retry on a fresh connection): a service that hung up, not one never reached.
    expect(server.calls.length - before).toBe(2);
  });

  it('asks once more when a connection closes under the first call, as a kept-alive one closed while idle does', async () => {
    let calls = 0;
    server.answer(() => (++calls === 1 ? { hangUp: true } : { status: 200, body: { userId: 'alice' } }));
    const token = newToken();
    expect(valid(await ask(server, token)).identity.userId).toBe('alice');
    expect(calls).toBe(2);
    expect(server.calls.slice(-2).map((c) => c.token)).toEqual([token, token]);
  });

  it('is unavailable when the connection is refused, and says so without naming the host', async () => {
    const gone = await startIdentityServer();
    const url = gone.url;
    await gone.close();
    const failure = unavailableOf(await ask(server, newToken(), {}, { url }));
    expect(failure.reason).toBe('the identity service could not be reached (connection refused, ECONNREFUSED)');
    expect(failure.reason).not.toContain('127.0.0.1');
    expect(failure.reason).not.toContain(new URL(url).port);
  });
});

describe('the oidc protocol', () => {
  let server: IdentityServer;
  const oidc = (overrides: Partial<AuthConfig> = {}): Partial<AuthConfig> => ({ protocol: 'oidc', ...overrides });
  beforeAll(async () => {
    server = await startIdentityServer();
  });
  afterAll(() => server?.close());

  it('GETs the UserInfo endpoint with the token as a bearer credential and no body', async () => {
    server.answer({ status: 200, body: { sub: 'u-1' } });
    const token = newToken();
    const requestId = randomUUID();
    valid(await ask(server, token, oidc(), { requestId }));
    const call = lastCall(server);
    expect(call.method).toBe('GET');
    expect(call.headers.authorization).toBe(`Bearer ${token}`);
    expect(call.headers['x-request-id']).toBe(requestId);
    expect(call.body).toBe('');
    expect(call.headers['content-length']).toBeUndefined();
    expect(call.headers['transfer-encoding']).toBeUndefined();
  });

  it('reads the standard claims: sub, name, email', async () => {
    server.answer({ status: 200, body: { sub: '248289761001', name: 'Jane Doe', preferred_username: 'j.doe', email: 'janedoe@example.com', email_verified: true, picture: 'http://example.com/janedoe/me.jpg' } });
    const { identity, freshness } = valid(await ask(server, newToken(), oidc()));
    expect(identity).toStrictEqual({ kind: 'person', userId: '248289761001', name: 'Jane Doe', email: 'janedoe@example.com', groups: [], scopes: [] });
    expect(freshness).toStrictEqual({ noStore: false });
  });

  it('falls back to preferred_username for the name', async () => {
    server.answer({ status: 200, body: { sub: 'u-2', preferred_username: 'j.doe', name: null } });
    expect(valid(await ask(server, newToken(), oidc())).identity).toStrictEqual({ kind: 'person', userId: 'u-2', name: 'j.doe', groups: [], scopes: [] });
  });

  it.each<[string, string, Record<string, unknown>, string[]]>([
    ['the default groups claim', 'groups', { groups: ['staff', 'reviewers'] }, ['staff', 'reviewers']],
    ['a custom claim', 'roles', { roles: ['editors'], groups: ['ignored'] }, ['editors']],
    ['a Keycloak-style nested claim', 'realm_access.roles', { realm_access: { roles: ['offline_access', 'staff'] }, resource_access: { app: { roles: ['x'] } } }, ['offline_access', 'staff']],
    ['an Auth0-style namespaced claim', 'https://example.com/groups', { 'https://example.com/groups': ['staff'] }, ['staff']],
    ['a claim whose exact dotted name is present, over the nested path', 'realm_access.roles', { 'realm_access.roles': ['exact'], realm_access: { roles: ['nested'] } }, ['exact']],
    ['a lone string claim', 'groups', { groups: 'staff' }, ['staff']],
    ['an absent claim', 'roles', { groups: ['staff'] }, []],
    ['a nested claim whose parent is absent', 'realm_access.roles', { resource_access: {} }, []],
  ])('takes the groups from %s', async (_case, groupsClaim, claims, groups) => {
    server.answer({ status: 200, body: { sub: 'u-3', ...claims } });
    expect(valid(await ask(server, newToken(), oidc({ groupsClaim }))).identity.groups).toEqual(groups);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no sub', { name: 'Jane' }, 'at .sub: expected a non-empty string'],
    ['an empty sub', { sub: '' }, 'at .sub: expected a non-empty string'],
    ['a numeric sub', { sub: 248289761001 }, 'at .sub: expected a non-empty string'],
    ['an email that is not a string', { sub: 'u', email: true }, 'at .email: expected a string'],
  ])('is a violation for %s', async (_case, claims, reason) => {
    server.answer({ status: 200, body: claims });
    expect(violationOf(await ask(server, newToken(), oidc())).reason).toBe(reason);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['groups', { groups: ['staff', 5] }, 'at .groups[1]: expected a non-empty string'],
    ['groups', { groups: { staff: true } }, 'at .groups: expected an array of non-empty strings'],
    ['realm_access.roles', { realm_access: { roles: [null] } }, 'at .realm_access.roles[0]: expected a non-empty string'],
    ['https://example.com/groups', { 'https://example.com/groups': [''] }, 'at ."https://example.com/groups"[0]: expected a non-empty string'],
  ])('is a violation naming the path for bad groups in %s', async (groupsClaim, claims, reason) => {
    server.answer({ status: 200, body: { sub: 'u-4', ...claims } });
    expect(violationOf(await ask(server, newToken(), oidc({ groupsClaim }))).reason).toBe(reason);
  });

  it('explains that a signed (application/jwt) UserInfo is not read', async () => {
    server.answer({ status: 200, headers: { 'content-type': 'application/jwt' }, body: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1LTUifQ.c2ln' });
    const failure = violationOf(await ask(server, newToken(), oidc()));
    expect(failure.reason).toMatch(/^at the top level: expected JSON claims, got a signed UserInfo response \(application\/jwt\), which Formgate does not read/);
    expect(failure.status).toBe(200);
  });

  it('takes a 401 with a Bearer challenge as a rejected token', async () => {
    server.answer({ status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token", error_description="The access token expired"' } });
    expect(await ask(server, newToken(), oidc())).toEqual({ kind: 'rejected', status: 401 });
  });

  it('takes a 403 as a rejected token', async () => {
    server.answer({ status: 403, headers: { 'www-authenticate': 'Bearer error="insufficient_scope"' } });
    expect(await ask(server, newToken(), oidc())).toEqual({ kind: 'rejected', status: 403 });
  });

  it('takes a 503 as the service being unavailable, and a 404 as a violation', async () => {
    server.answer({ status: 503, headers: { 'retry-after': '12' } });
    expect(unavailableOf(await ask(server, newToken(), oidc()))).toEqual({ kind: 'unavailable', reason: 'the identity service answered 503', status: 503, retryAfterS: 12 });
    server.answer({ status: 404 });
    expect(violationOf(await ask(server, newToken(), oidc())).reason).toMatch(/^with status 404; expected 200 with UserInfo claims/);
  });

  it('reads the lifetime from Cache-Control: max-age', async () => {
    server.answer({ status: 200, headers: { 'cache-control': 'max-age=45, private' }, body: { sub: 'u-6' } });
    expect(valid(await ask(server, newToken(), oidc())).freshness).toStrictEqual({ maxAgeS: 45, noStore: false });
  });
});

describe('the introspection protocol', () => {
  let server: IdentityServer;
  const clientId = 'formgate:client id';
  const clientSecret = 's3:cr et é€';
  const introspection = (overrides: Partial<AuthConfig> = {}): Partial<AuthConfig> => ({ protocol: 'introspection', clientId, clientSecret, ...overrides });
  beforeAll(async () => {
    server = await startIdentityServer();
  });
  afterAll(() => server?.close());

  it('POSTs the token form-encoded with a hint, as a client with HTTP Basic', async () => {
    server.answer({ status: 200, body: { active: true, sub: 'u-1' } });
    // Characters that mean something in a form must arrive as they were.
    const token = `a+b/c=d&e%f ${randomUUID()}`;
    const requestId = randomUUID();
    valid(await ask(server, token, introspection(), { requestId }));
    const call = lastCall(server);
    expect(call.method).toBe('POST');
    expect(call.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(call.headers['x-request-id']).toBe(requestId);
    const form = new URLSearchParams(call.body);
    expect([...form.keys()].sort()).toEqual(['token', 'token_type_hint']);
    expect(form.get('token')).toBe(token);
    expect(form.get('token_type_hint')).toBe('access_token');
  });

  it('form-encodes the client id and secret before joining them, so the first colon splits them (RFC 6749 §2.3.1)', async () => {
    server.answer({ status: 200, body: { active: true, sub: 'u-1' } });
    valid(await ask(server, newToken(), introspection()));
    const header = lastCall(server).headers.authorization ?? '';
    expect(header).toMatch(/^Basic [A-Za-z0-9+/]+=*$/);
    const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const [id, secret] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    expect(id).toBe('formgate%3Aclient+id');
    expect(secret).toBe('s3%3Acr+et+%C3%A9%E2%82%AC');
    const formDecode = (s: string) => decodeURIComponent(s.replaceAll('+', ' '));
    expect([formDecode(id), formDecode(secret)]).toEqual([clientId, clientSecret]);
  });

  it('takes active: false as a rejected token', async () => {
    server.answer({ status: 200, body: { active: false } });
    expect(await ask(server, newToken(), introspection())).toEqual({ kind: 'rejected', status: 200 });
  });

  it('reads an active token: sub, scope, exp, name, email and groups', async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    server.answer({
      status: 200,
      body: { active: true, sub: 'Z5O3upPC88QrAjx00dis', username: 'jdoe', client_id: 'l238j323ds-23ij4', scope: 'read  write dolphin', token_type: 'Bearer', exp, iat: exp - 3600, name: 'J. Doe', email: 'jdoe@example.com', groups: ['staff'] },
    });
    const { identity, freshness } = valid(await ask(server, newToken(), introspection()));
    expect(identity).toStrictEqual({ kind: 'person', userId: 'Z5O3upPC88QrAjx00dis', name: 'J. Doe', email: 'jdoe@example.com', groups: ['staff'], scopes: ['read', 'write', 'dolphin'] });
    expect(freshness).toStrictEqual({ expiresAtMs: exp * 1000, expiresAtField: 'exp', noStore: false });
  });

  it('splits scope at runs of spaces and ignores leading and trailing ones', async () => {
    server.answer({ status: 200, body: { active: true, sub: 'u', scope: ' a b  c ' } });
    expect(valid(await ask(server, newToken(), introspection())).identity.scopes).toEqual(['a', 'b', 'c']);
  });

  it('takes the userId from username when there is no sub', async () => {
    server.answer({ status: 200, body: { active: true, username: 'jdoe' } });
    expect(valid(await ask(server, newToken(), introspection())).identity.userId).toBe('jdoe');
  });

  it('takes the groups from the configured claim, nested or not', async () => {
    server.answer({ status: 200, body: { active: true, sub: 'u', roles: ['editors'], realm_access: { roles: ['reviewers'] } } });
    expect(valid(await ask(server, newToken(), introspection({ groupsClaim: 'roles' }))).identity.groups).toEqual(['editors']);
    expect(valid(await ask(server, newToken(), introspection({ groupsClaim: 'realm_access.roles' }))).identity.groups).toEqual(['reviewers']);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['none of sub, username and client_id', { active: true, scope: 'read' }, 'at .sub: expected a non-empty string (or a non-empty .username, or for a machine client a non-empty .client_id)'],
    ['an empty sub', { active: true, sub: '', username: 'jdoe' }, 'at .sub: expected a non-empty string'],
    ['no active member', { sub: 'u' }, 'at .active: expected true or false'],
    ['active as the string "true"', { active: 'true', sub: 'u' }, 'at .active: expected true or false'],
    ['a scope list instead of a string', { active: true, sub: 'u', scope: ['read'] }, 'at .scope: expected a space-separated string of scopes'],
    ['exp as a date string', { active: true, sub: 'u', exp: '2030-01-01T00:00:00Z' }, 'at .exp: expected a NumericDate'],
    ['a bad group', { active: true, sub: 'u', groups: ['staff', false] }, 'at .groups[1]: expected a non-empty string'],
  ])('is a violation for %s', async (_case, body, reason) => {
    server.answer({ status: 200, body });
    const failure = violationOf(await ask(server, newToken(), introspection()));
    expect(failure.reason.startsWith(reason), failure.reason).toBe(true);
  });

  it('reads a top-level array as a violation, not as an inactive token', async () => {
    server.answer({ status: 200, headers: { 'content-type': 'application/json' }, body: '[]' });
    expect(violationOf(await ask(server, newToken(), introspection())).reason).toBe('at the top level: expected a JSON object');
  });

  it.each([401, 403])('takes %i as the endpoint refusing Formgate, pointing at the client credentials, not as a rejected token', async (status) => {
    server.answer({ status, body: { error: 'invalid_client' } });
    const failure = violationOf(await ask(server, newToken(), introspection()));
    expect(failure.status).toBe(status);
    expect(failure.reason).toContain(`with status ${status}`);
    expect(failure.reason).toContain('--auth-client-id');
    expect(failure.reason).toContain('--auth-client-secret');
    expect(failure.reason).not.toContain(clientSecret);
  });

  it('takes a 429 as the service being unavailable', async () => {
    server.answer({ status: 429, headers: { 'retry-after': '3' } });
    expect(unavailableOf(await ask(server, newToken(), introspection()))).toEqual({ kind: 'unavailable', reason: 'the identity service answered 429', status: 429, retryAfterS: 3 });
  });
});

describe('the user-id rule, in every protocol', () => {
  let server: IdentityServer;
  beforeAll(async () => {
    server = await startIdentityServer();
  });
  afterAll(() => server?.close());

  // Where each protocol reads the user id from, and the config that selects it.
  const WHERE: [string, Partial<AuthConfig>, (id: string) => Record<string, unknown>, string][] = [
    ['formgate', {}, (id) => ({ userId: id }), '.userId'],
    ['oidc', { protocol: 'oidc' }, (id) => ({ sub: id }), '.sub'],
    ['introspection (sub)', { protocol: 'introspection', clientId: 'c', clientSecret: 's' }, (id) => ({ active: true, sub: id }), '.sub'],
    ['introspection (username)', { protocol: 'introspection', clientId: 'c', clientSecret: 's' }, (id) => ({ active: true, username: id }), '.username'],
    ['introspection (client_id)', { protocol: 'introspection', clientId: 'c', clientSecret: 's' }, (id) => ({ active: true, client_id: id }), '.client_id'],
  ];
  const CASES: [string, string, string][] = [
    ['256 characters', 'a'.repeat(256), 'expected a user id of at most 255 characters (Unicode code points)'],
    ['only spaces', '   ', 'expected a user id that is not only whitespace'],
    ['a line feed', 'alice\nbob', 'expected a user id without control characters, line or paragraph separators or bidirectional controls (found U+000A)'],
    ['a right-to-left override', 'a\u202eb', 'expected a user id without control characters, line or paragraph separators or bidirectional controls (found U+202E)'],
    ['a leading U+FEFF', '\ufeffbob', 'expected a user id of well-formed text without a leading U+FEFF'],
  ];

  describe.each(WHERE)('%s', (_protocol, config, body, path) => {
    it.each(CASES)('is a violation for an id of %s, naming the rule', async (_case, id, rule) => {
      server.answer({ status: 200, body: body(id) });
      expect(violationOf(await ask(server, newToken(), config)).reason).toBe(`at ${path}: ${rule}`);
    });

    it('takes 255 characters of 4 UTF-8 bytes each', async () => {
      const id = '\u{1F600}'.repeat(255);
      server.answer({ status: 200, body: body(id) });
      expect(valid(await ask(server, newToken(), config)).identity.userId).toBe(id);
    });
  });
});

describe('an introspection endpoint that echoes its request', () => {
  let server: IdentityServer;
  const clientSecret = `secret-${randomUUID()}`;
  const config = { protocol: 'introspection', clientId: 'formgate', clientSecret } as const;
  beforeAll(async () => {
    server = await startIdentityServer();
  });
  afterAll(() => server?.close());

  const echoes = (call: RecordedCall) => {
    const tok = call.token ?? '';
    return [call.headers.authorization ?? '', call.body, tok, Buffer.from(tok).toString('base64'), Buffer.from(tok).toString('base64url'), encodeURIComponent(tok), tok.slice(0, 20)];
  };

  it.each<[string, (call: RecordedCall) => { status: number; headers?: Record<string, string>; body: unknown }]>([
    ['in plain text', (call) => ({ status: 400, headers: { 'content-type': 'text/plain' }, body: `bad request\n${echoes(call).join('\n')}` })],
    ['as JSON', (call) => ({ status: 200, body: { headers: call.headers, body: call.body, echoes: echoes(call) } })],
    ['as JSON member names', (call) => ({ status: 200, body: Object.fromEntries(echoes(call).map((e) => [e, true])) })],
  ])('%s leaves no credential of any encoding in what is logged', async (_case, script) => {
    const token = newToken();
    server.answer((call) => script(call));
    const failure = violationOf(await ask(server, token, config));
    const logged = JSON.stringify(failure);
    const call = lastCall(server);
    for (const secret of [...echoes(call), clientSecret, Buffer.from(`formgate:${clientSecret}`).toString('base64')]) expect(logged).not.toContain(secret);
  });
});
