import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DirectorySource } from '../src/directory/live.ts';
import type { Directory } from '../src/directory/schema.ts';
import { ALICE_PASSWORD } from './support/directory.ts';
import { ISSUER, startService, type TestService } from './support/app.ts';
import { CLIENT_ID, oidcDirectory, pkce, REDIRECT_URI, signIn, tokenRequest, type OidcFixture, type TokenAnswer } from './support/oidc.ts';

/** POST /token for OpenID Connect clients: the authorization code grant with PKCE, and rotated refresh tokens. */

let fixture: OidcFixture;
beforeAll(async () => {
  fixture = await oidcDirectory();
});

async function exchange(service: TestService, code: string, verifier: string, secret = fixture.clientSecret, clientId = CLIENT_ID): Promise<Response> {
  return tokenRequest(service, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, secret, clientId);
}

async function tokens(response: Response): Promise<TokenAnswer> {
  if (response.status !== 200) throw new Error(`POST /token answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as TokenAnswer;
}

const refresh = (service: TestService, token: string, secret = fixture.clientSecret, clientId = CLIENT_ID) =>
  tokenRequest(service, { grant_type: 'refresh_token', refresh_token: token }, secret, clientId);

async function expectGrantError(response: Response, status: number, error: string): Promise<string> {
  expect(response.status).toBe(status);
  expect(response.headers.get('cache-control')).toBe('no-store');
  const body = (await response.json()) as { error: string; error_description: string };
  expect(body.error).toBe(error);
  return body.error_description;
}

describe('the authorization code grant', () => {
  it('answers an access token Formgate accepts, a refresh token and an ID token that verifies against the JWKS', async () => {
    const service = await startService({ directory: fixture.directory });
    const { verifier, challenge } = pkce();
    const code = await signIn(service, 'alice', ALICE_PASSWORD, challenge);
    const answer = await tokens(await exchange(service, code, verifier));
    expect(answer).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'openid profile groups forms:read forms:write' });
    expect(answer.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const validated = await service.fetch('/validate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: answer.access_token }) });
    expect(await validated.json()).toMatchObject({ userId: 'alice', groups: ['staff', 'finance', 'admin'], scopes: ['forms:read', 'forms:write'] });

    const jwks = createRemoteJWKSet(new URL(`${service.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(answer.id_token, jwks, { issuer: ISSUER, audience: CLIENT_ID, currentDate: new Date(service.clock.now()) });
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', kid: service.key.kid });
    const nowS = Math.floor(service.clock.now() / 1000);
    expect(payload).toMatchObject({ sub: 'alice', nonce: 'nonce-456', auth_time: nowS, iat: nowS, exp: nowS + 900, name: 'Alice Example', preferred_username: 'alice', groups: ['staff', 'finance', 'admin'] });
    expect(payload.sid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Only the claims the scopes asked for: no email without the email scope.
    expect(payload.email).toBeUndefined();
  });

  it('takes client_secret_post as well, and adds email for the email scope', async () => {
    const service = await startService({ directory: fixture.directory });
    const { verifier, challenge } = pkce();
    const code = await signIn(service, 'alice', ALICE_PASSWORD, challenge, { scope: 'openid email' });
    const response = await tokenRequest(service, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier, client_id: CLIENT_ID, client_secret: fixture.clientSecret });
    const claims = decodeJwt((await tokens(response)).id_token);
    expect(claims).toMatchObject({ email: 'alice@example.com', aud: CLIENT_ID });
    expect(claims.groups).toBeUndefined();
    expect(claims.preferred_username).toBeUndefined();
  });

  it('refuses a client that does not authenticate, or with a wrong secret, as invalid_client', async () => {
    const service = await startService({ directory: fixture.directory });
    const { verifier, challenge } = pkce();
    const code = await signIn(service, 'alice', ALICE_PASSWORD, challenge);
    await expectGrantError(await tokenRequest(service, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }), 401, 'invalid_client');
    const wrong = await exchange(service, code, verifier, fixture.otherSecret);
    await expectGrantError(wrong, 401, 'invalid_client');
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic /);
    // Neither attempt spent the code.
    expect((await exchange(service, code, verifier)).status).toBe(200);
  });

  it.each([
    ['a wrong code_verifier', (v: string) => ({ code_verifier: `${v.slice(0, -1)}${v.endsWith('A') ? 'B' : 'A'}` }), 'invalid_grant'],
    ['a verifier that is too short', () => ({ code_verifier: 'abc' }), 'invalid_grant'],
    ['another redirect_uri', () => ({ redirect_uri: 'http://127.0.0.1:8080/other' }), 'invalid_grant'],
    ['no code_verifier', () => ({ code_verifier: undefined }), 'invalid_request'],
  ])('refuses %s', async (_what, change, error) => {
    const service = await startService({ directory: fixture.directory });
    const { verifier, challenge } = pkce();
    const code = await signIn(service, 'alice', ALICE_PASSWORD, challenge);
    const params = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier, ...change(verifier) };
    const defined = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<string, string>;
    await expectGrantError(await tokenRequest(service, defined, fixture.clientSecret), 400, error);
  });

  it('binds the code to its client: another client cannot redeem it', async () => {
    const service = await startService({ directory: fixture.directory });
    const { verifier, challenge } = pkce();
    const code = await signIn(service, 'alice', ALICE_PASSWORD, challenge);
    expect(await expectGrantError(await exchange(service, code, verifier, fixture.otherSecret, 'other'), 400, 'invalid_grant')).toContain('another client');
  });

  it('works once: a second use fails and revokes the refresh token issued from the first', async () => {
    const service = await startService({ directory: fixture.directory });
    const { verifier, challenge } = pkce();
    const code = await signIn(service, 'alice', ALICE_PASSWORD, challenge);
    const first = await tokens(await exchange(service, code, verifier));
    await expectGrantError(await exchange(service, code, verifier), 400, 'invalid_grant');
    await expectGrantError(await refresh(service, first.refresh_token), 400, 'invalid_grant');
  });

  it('expires after 60 s', async () => {
    const service = await startService({ directory: fixture.directory });
    const { verifier, challenge } = pkce();
    const code = await signIn(service, 'alice', ALICE_PASSWORD, challenge);
    service.clock.advance(61);
    await expectGrantError(await exchange(service, code, verifier), 400, 'invalid_grant');
  });
});

describe('the refresh token grant', () => {
  it('rotates: each use answers a new refresh token, new tokens for the same sign-in, and no nonce', async () => {
    const service = await startService({ directory: fixture.directory });
    const { verifier, challenge } = pkce();
    const first = await tokens(await exchange(service, await signIn(service, 'alice', ALICE_PASSWORD, challenge), verifier));
    service.clock.advance(600);
    const second = await tokens(await refresh(service, first.refresh_token));
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.scope).toBe(first.scope);
    const [before, after] = [decodeJwt(first.id_token), decodeJwt(second.id_token)];
    expect(after).toMatchObject({ sub: 'alice', aud: CLIENT_ID, sid: before.sid, auth_time: before.auth_time, iat: (before.iat ?? 0) + 600 });
    expect(after.nonce).toBeUndefined();
    const third = await tokens(await refresh(service, second.refresh_token));
    expect(third.refresh_token).not.toBe(second.refresh_token);
  });

  it('treats a spent refresh token presented again as theft: refused, and the whole sign-in revoked', async () => {
    const service = await startService({ directory: fixture.directory });
    const { verifier, challenge } = pkce();
    const first = await tokens(await exchange(service, await signIn(service, 'alice', ALICE_PASSWORD, challenge), verifier));
    const second = await tokens(await refresh(service, first.refresh_token));
    await expectGrantError(await refresh(service, first.refresh_token), 400, 'invalid_grant');
    // The newest token of the family, never used, is revoked with it.
    await expectGrantError(await refresh(service, second.refresh_token), 400, 'invalid_grant');
    expect(service.logs().some((l) => l.refusal === 'refresh token reused: its sign-in is revoked')).toBe(true);
    expect(service.logText()).not.toContain(first.refresh_token);
  });

  it('is bound to its client, and ends with the sign-in\'s lifetime', async () => {
    const service = await startService({ directory: fixture.directory, oidc: { refreshTtlS: 3600 } });
    const { verifier, challenge } = pkce();
    const first = await tokens(await exchange(service, await signIn(service, 'alice', ALICE_PASSWORD, challenge), verifier));
    await expectGrantError(await refresh(service, first.refresh_token, fixture.otherSecret, 'other'), 400, 'invalid_grant');
    service.clock.advance(1800);
    const second = await tokens(await refresh(service, first.refresh_token));
    service.clock.advance(1801);
    await expectGrantError(await refresh(service, second.refresh_token), 400, 'invalid_grant');
  });

  it('refuses a scope wider than the sign-in\'s', async () => {
    const service = await startService({ directory: fixture.directory });
    const { verifier, challenge } = pkce();
    const first = await tokens(await exchange(service, await signIn(service, 'alice', ALICE_PASSWORD, challenge, { scope: 'openid' }), verifier));
    const wider = await tokenRequest(service, { grant_type: 'refresh_token', refresh_token: first.refresh_token, scope: 'openid groups' }, fixture.clientSecret);
    await expectGrantError(wider, 400, 'invalid_scope');
  });
});

describe('a user disabled after signing in', () => {
  it('gets nothing more from the sign-in, and their access token stops validating', async () => {
    let directory: Directory = fixture.directory;
    const source: DirectorySource = { current: async () => directory, health: async () => ({ ok: true }) };
    const service = await startService({ directory: source });
    const { verifier, challenge } = pkce();
    const first = await tokens(await exchange(service, await signIn(service, 'alice', ALICE_PASSWORD, challenge), verifier));
    directory = { ...directory, users: { ...directory.users, alice: { ...directory.users.alice!, disabled: true } } };
    expect(await expectGrantError(await refresh(service, first.refresh_token), 400, 'invalid_grant')).toContain('can no longer sign in');
    const validated = await service.fetch('/validate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: first.access_token }) });
    expect(validated.status).toBe(401);
  });
});
