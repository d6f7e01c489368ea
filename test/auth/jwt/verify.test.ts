import { exportSPKI, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASYMMETRIC_ALGORITHMS } from '../../../src/auth/jwt/algorithms.ts';
import { verifyJwt, type JwtVerification, type VerifySettings } from '../../../src/auth/jwt/verify.ts';
import { startKeySetServer, type KeySetServer } from '../../support/key-set-server.ts';
import { manualKeySet, type ManualKeySet } from './local-key-set.ts';

/**
 * The token matrix of issue 15 against a real JWKS on 127.0.0.1: every way a token can be wrong is a 401
 * with the reason named; no keys at all is a 503, never a 401.
 */

const ISSUER = 'https://id.example/realms/main';
const SETTINGS: VerifySettings = {
  issuer: ISSUER,
  audiences: ['formgate', 'reports'],
  algorithms: [...ASYMMETRIC_ALGORITHMS],
  clockToleranceS: 30,
  maxTokenLifetimeS: 3600,
  groupsClaim: 'groups',
};

let server: KeySetServer;
let keys: ManualKeySet;
const nowS = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({ iss: ISSUER, aud: 'formgate', sub: 'alice', iat: nowS(), exp: nowS() + 600, ...extra });

beforeAll(async () => {
  server = await startKeySetServer({ keys: 2 });
  await server.addKey({ alg: 'EdDSA' });
  await server.addKey({ alg: 'ES256' });
  keys = manualKeySet(server);
  await keys.load();
});
afterAll(() => server.close());

const check = (token: string, settings: Partial<VerifySettings> = {}) => verifyJwt(token, keys, { ...SETTINGS, ...settings });

function expectRejected(v: JwtVerification, code: string): string {
  expect(v.verdict).toEqual({ kind: 'rejected', status: 401 });
  expect(v.rejection?.code, v.rejection?.detail).toBe(code);
  return v.rejection!.detail;
}

describe('a good token', () => {
  it.each(['RS256', 'EdDSA', 'ES256'])('%s: the identity from its claims, and freshness from exp', async (alg) => {
    const key = server.keys().find((k) => k.alg === alg)!;
    const iat = nowS();
    const token = await server.sign(claims({ iat, exp: iat + 900, name: 'Alice', email: 'a@example.org', groups: ['staff'], scope: 'openid forms:write' }), { key });
    const v = await check(token);
    expect(v.verdict).toEqual({
      kind: 'valid',
      identity: { kind: 'person', userId: 'alice', name: 'Alice', email: 'a@example.org', groups: ['staff'], scopes: ['openid', 'forms:write'], issuedAtS: iat },
      freshness: { expiresAtMs: (iat + 900) * 1000, expiresAtField: 'exp', noStore: false },
    });
    expect(v.header).toMatchObject({ alg, kid: key.kid });
  });

  it('an aud array naming one of the audiences, typ at+jwt (RFC 9068)', async () => {
    const token = await server.sign(claims({ aud: ['other', 'reports'] }), { header: { typ: 'at+jwt' } });
    expect((await check(token)).verdict.kind).toBe('valid');
  });

  it('preferred_username when there is no name; scp as an array (Entra, Okta) or a string', async () => {
    const a = await check(await server.sign(claims({ preferred_username: 'al', scp: ['forms.read', 'forms.write'] })));
    expect(a.verdict.kind === 'valid' && a.verdict.identity).toMatchObject({ name: 'al', scopes: ['forms.read', 'forms.write'] });
    const b = await check(await server.sign(claims({ scp: 'a b', scope: 'b c' })));
    expect(b.verdict.kind === 'valid' && b.verdict.identity.scopes).toEqual(['b', 'c', 'a']);
  });

  it("groups through a dotted --auth-groups-claim (Keycloak's realm_access.roles)", async () => {
    const token = await server.sign(claims({ realm_access: { roles: ['admin', 'staff'] }, groups: ['ignored'] }));
    const v = await check(token, { groupsClaim: 'realm_access.roles' });
    expect(v.verdict.kind === 'valid' && v.verdict.identity.groups).toEqual(['admin', 'staff']);
  });

  it('no sub but a client_id: a machine client (client credentials)', async () => {
    const v = await check(await server.sign(claims({ sub: undefined, client_id: 'reporting-job', scope: 'reports:read' })));
    expect(v.verdict.kind === 'valid' && v.verdict.identity).toEqual({ kind: 'client', userId: 'reporting-job', groups: [], scopes: ['reports:read'], issuedAtS: expect.any(Number) });
  });

  it('a token naming no kid is tried against the keys of its type', async () => {
    const [first, second] = server.keys().filter((k) => k.alg === 'RS256');
    expect((await check(await server.sign(claims(), { key: second!, kid: null }))).verdict.kind).toBe('valid');
    expect((await check(await server.sign(claims(), { key: first!, kid: null }))).verdict.kind).toBe('valid');
  });
});

describe('every wrong token is a 401 naming why', () => {
  it('expired beyond the clock tolerance; within it still valid', async () => {
    expect(expectRejected(await check(await server.sign(claims({ iat: nowS() - 700, exp: nowS() - 35 }))), 'expired')).toMatch(/^expired 3\d s ago, at \d{4}-.*Z \(--auth-clock-tolerance 30 s\)$/);
    expect((await check(await server.sign(claims({ iat: nowS() - 700, exp: nowS() - 25 })))).verdict.kind).toBe('valid');
    expectRejected(await check(await server.sign(claims({ iat: nowS() - 700, exp: nowS() - 5 })), { clockToleranceS: 0 }), 'expired');
  });

  it('not yet valid beyond the clock tolerance; within it valid', async () => {
    expect(expectRejected(await check(await server.sign(claims({ nbf: nowS() + 40 }))), 'not-yet-valid')).toMatch(/^not valid before .*Z, 4\d s from now/);
    expect((await check(await server.sign(claims({ nbf: nowS() + 20 })))).verdict.kind).toBe('valid');
  });

  it('a wrong audience: the detail names what it was and what was expected', async () => {
    const detail = expectRejected(await check(await server.sign(claims({ aud: 'other-client' }))), 'audience');
    expect(detail).toBe('aud was "other-client", expected "formgate" or "reports" (--auth-audience)');
  });

  it('a wrong issuer, even one differing only by a trailing slash', async () => {
    const detail = expectRejected(await check(await server.sign(claims({ iss: `${ISSUER}/` }))), 'issuer');
    expect(detail).toBe(`iss was "${ISSUER}/", expected "${ISSUER}" (--auth-issuer)`);
  });

  it('alg none, with or without a signature part', async () => {
    const unsecured = new UnsecuredJWT(claims()).encode();
    expect(expectRejected(await check(unsecured), 'algorithm')).toMatch(/^alg was "none"; --auth-algorithms allows RS256/);
    expectRejected(await check(`${unsecured}c2ln`), 'algorithm');
  });

  it('HMAC with the public key as the secret: refused, even when HS256 is allowed past the flags', async () => {
    const key = server.keys()[0]!;
    const secret = new TextEncoder().encode(await exportSPKI(key.publicKey));
    const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: key.kid }).sign(secret);
    expectRejected(await check(forged), 'algorithm');
    // Config never allows HS256; if it did, jose's key set would still hold no secret to check it with.
    const v = await check(forged, { algorithms: [...SETTINGS.algorithms, 'HS256'] });
    expect(v.verdict).toEqual({ kind: 'rejected', status: 401 });
  });

  it("a kid pointing at another published key: the signature fails", async () => {
    const [a, b] = server.keys();
    expect(expectRejected(await check(await server.sign(claims(), { key: a!, kid: b!.kid })), 'signature')).toMatch(/signature does not fit/);
  });

  it('a key the provider never published, under a published kid: the signature fails', async () => {
    const stranger = await startKeySetServer();
    try {
      const token = await stranger.sign(claims(), { kid: server.keys()[0]!.kid });
      expectRejected(await check(token), 'signature');
    } finally {
      await stranger.close();
    }
  });

  it('no exp: refused, Formgate accepts only tokens that expire', async () => {
    expect(expectRejected(await check(await server.sign(claims({ exp: undefined }))), 'no-exp')).toMatch(/has no exp/);
  });

  it('a lifetime beyond --auth-max-token-lifetime, from iat; no iat at all (RFC 9068 requires it)', async () => {
    expect(expectRejected(await check(await server.sign(claims({ exp: nowS() + 3700 }))), 'lifetime')).toMatch(/^it is valid 37\d\d s from its iat, beyond --auth-max-token-lifetime 3600 s$/);
    expect((await check(await server.sign(claims({ exp: nowS() + 3500 })))).verdict.kind).toBe('valid');
    expect(expectRejected(await check(await server.sign(claims({ iat: undefined, exp: nowS() + 600 }))), 'no-iat')).toMatch(/^it has no iat/);
  });

  it('iat in the future beyond the tolerance (it would slip past a user revocation)', async () => {
    expectRejected(await check(await server.sign(claims({ iat: nowS() + 120, exp: nowS() + 600 }))), 'issued-in-future');
  });

  it('a typ of another kind of JWT (a logout token)', async () => {
    expect(expectRejected(await check(await server.sign(claims(), { header: { typ: 'logout+jwt' } })), 'typ')).toMatch(/typ was "logout\+jwt"/);
  });

  it.each(['abc', 'a.b.c', '', 'eyJhbGciOiJSUzI1NiJ9.e30', 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln.extra'])('malformed: %j', async (token) => {
    expect(['malformed', 'signature']).toContain((await check(token)).rejection?.code);
    expect((await check(token)).verdict).toEqual({ kind: 'rejected', status: 401 });
  });

  it("an algorithm the flags do not list, although the key set holds the key", async () => {
    const ed = server.keys().find((k) => k.alg === 'EdDSA')!;
    expectRejected(await check(await server.sign(claims(), { key: ed }), { algorithms: ['RS256'] }), 'algorithm');
  });
});

describe('claims that break the contract are a 502, as with the HTTP protocols', () => {
  it('a sub breaking the user-id rule', async () => {
    const v = await check(await server.sign(claims({ sub: 'ali\u0000ce' })));
    expect(v.verdict).toMatchObject({ kind: 'failed', failure: { kind: 'violation', reason: expect.stringMatching(/^at \.sub: expected a user id without control characters/) } });
  });

  it('neither sub nor client_id', async () => {
    const v = await check(await server.sign(claims({ sub: undefined })));
    expect(v.verdict).toMatchObject({ kind: 'failed', failure: { kind: 'violation', reason: expect.stringMatching(/^at \.sub: expected a non-empty string \(or, for a machine client/) } });
  });

  it('a groups claim that is not a list of strings', async () => {
    const v = await check(await server.sign(claims({ groups: [1, 2] })));
    expect(v.verdict).toMatchObject({ kind: 'failed', failure: { kind: 'violation', reason: 'at .groups[0]: expected a non-empty string' } });
  });
});

describe('keys', () => {
  it('an unknown kid asks the key set to fetch again once; a key published since is then used', async () => {
    const fresh = await server.addKey();
    const token = await server.sign(claims(), { key: fresh });
    const before = keys.refetches.length;
    const v = await check(token);
    expect(v.verdict.kind).toBe('valid');
    expect(keys.refetches.slice(before)).toEqual([fresh.kid]);
  });

  it('a kid unknown even after fetching again: 401', async () => {
    const stranger = await startKeySetServer();
    try {
      const before = keys.refetches.length;
      const detail = expectRejected(await check(await stranger.sign(claims())), 'unknown-kid');
      expect(detail).toMatch(/is not in the key set, even after fetching it again/);
      expect(keys.refetches.length - before).toBe(1);
    } finally {
      await stranger.close();
    }
  });

  it('no keys at all: 503 with Retry-After for a good token, never 401; a malformed one is still 401', async () => {
    const token = await server.sign(claims());
    keys.lose('the provider could not be reached: connection refused', 7);
    try {
      const v = await check(token);
      expect(v.verdict).toEqual({ kind: 'failed', failure: { kind: 'unavailable', reason: "the identity provider's signing keys could not be fetched", retryAfterS: 7 } });
      expect(v.noKeys).toBe('the provider could not be reached: connection refused');
      expect((await check('not-a-token')).verdict).toEqual({ kind: 'rejected', status: 401 });
    } finally {
      await keys.load();
    }
  });
});
