import { SignJWT } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALICE_PASSWORD } from './support/directory.ts';
import { startService, type TestService } from './support/app.ts';
import { CLIENT_ID, oidcDirectory, pkce, POST_LOGOUT_URI, REDIRECT_URI, signIn, tokenRequest, type OidcFixture, type TokenAnswer } from './support/oidc.ts';

/** GET /logout (RP-Initiated Logout 1.0): the sign-in's refresh tokens revoked, and back only to a registered URI. */

let fixture: OidcFixture;
beforeAll(async () => {
  fixture = await oidcDirectory();
});

async function signedIn(service: TestService): Promise<TokenAnswer> {
  const { verifier, challenge } = pkce();
  const code = await signIn(service, 'alice', ALICE_PASSWORD, challenge);
  const response = await tokenRequest(service, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, fixture.clientSecret);
  return (await response.json()) as TokenAnswer;
}

const refreshStatus = async (service: TestService, token: string) => (await tokenRequest(service, { grant_type: 'refresh_token', refresh_token: token }, fixture.clientSecret)).status;

const logout = (service: TestService, params: Record<string, string>) => service.fetch(`/logout?${new URLSearchParams(params)}`, { redirect: 'manual' });

describe('GET /logout', () => {
  it('revokes the refresh tokens of the hint\'s sign-in, and only of that one, then redirects with state', async () => {
    const service = await startService({ directory: fixture.directory });
    const ending = await signedIn(service);
    const other = await signedIn(service);
    // An expired ID token is still a good hint: people sign out after their tokens ran out.
    service.clock.advance(3600);
    const response = await logout(service, { id_token_hint: ending.id_token, post_logout_redirect_uri: POST_LOGOUT_URI, state: 'bye' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${POST_LOGOUT_URI}?state=bye`);
    expect(await refreshStatus(service, ending.refresh_token)).toBe(400);
    expect(await refreshStatus(service, other.refresh_token)).toBe(200);
    expect(service.logs().find((l) => l.msg === 'signed out')).toMatchObject({ principal: 'alice', revokedSignIns: 1 });
  });

  it('shows "you are signed out" when no redirect is asked for', async () => {
    const service = await startService({ directory: fixture.directory });
    const tokens = await signedIn(service);
    const response = await logout(service, { id_token_hint: tokens.id_token });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await response.text()).toContain('<h1>You are signed out</h1>');
    expect(await refreshStatus(service, tokens.refresh_token)).toBe(400);
  });

  it('redirects with client_id instead of a hint, to a URI that client registered', async () => {
    const service = await startService({ directory: fixture.directory });
    const response = await logout(service, { client_id: CLIENT_ID, post_logout_redirect_uri: POST_LOGOUT_URI });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(POST_LOGOUT_URI);
  });

  it.each([
    ['an unregistered post-logout URI', { client_id: CLIENT_ID, post_logout_redirect_uri: 'http://evil.test/' }],
    ['the sign-in redirect URI (registered for sign-in, not sign-out)', { client_id: CLIENT_ID, post_logout_redirect_uri: REDIRECT_URI }],
    ['a post-logout URI without any client named', { post_logout_redirect_uri: POST_LOGOUT_URI }],
    ['another client\'s name next to the hint', { client_id: 'other', post_logout_redirect_uri: POST_LOGOUT_URI }],
  ])('never redirects for %s', async (_what, params) => {
    const service = await startService({ directory: fixture.directory });
    const tokens = await signedIn(service);
    const withHint = 'client_id' in params && params.client_id === 'other' ? { ...params, id_token_hint: tokens.id_token } : params;
    const response = await logout(service, withHint);
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });

  it('refuses a hint it did not sign, and revokes nothing', async () => {
    const service = await startService({ directory: fixture.directory });
    const tokens = await signedIn(service);
    const sid = JSON.parse(Buffer.from(tokens.id_token.split('.')[1]!, 'base64url').toString()) as { sid: string; iss: string };
    const { privateKey } = generateKeyPairSync('ed25519');
    const forged = await new SignJWT({ sid: sid.sid }).setProtectedHeader({ alg: 'EdDSA', kid: service.key.kid }).setIssuer(sid.iss).setSubject('alice').setAudience(CLIENT_ID).sign(privateKey);
    const response = await logout(service, { id_token_hint: forged });
    expect(response.status).toBe(400);
    expect(await refreshStatus(service, tokens.refresh_token)).toBe(200);
  });
});
