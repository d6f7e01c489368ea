import * as client from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALICE_PASSWORD } from './support/directory.ts';
import { form, startService, testClock, type TestService } from './support/app.ts';
import { CLIENT_ID, oidcDirectory, POST_LOGOUT_URI, REDIRECT_URI, requestIdOf, type OidcFixture } from './support/oidc.ts';

/**
 * Compatibility with openid-client v6, the library Formgate's web client signs in with: its discovery,
 * authorization URL, code grant (which checks state, nonce, iss and the ID token's signature), refresh
 * and end-session URL, against this service on 127.0.0.1. openid-client checks times against the real
 * clock, so the service runs on it here.
 */

let fixture: OidcFixture;
beforeAll(async () => {
  fixture = await oidcDirectory();
});

async function discover(service: TestService, auth: client.ClientAuth): Promise<client.Configuration> {
  return client.discovery(new URL(service.url), CLIENT_ID, undefined, auth, { execute: [client.allowInsecureRequests] });
}

/** What a browser does with the authorization URL: load the page, post the form where its action says. */
async function logInThroughPage(authorizationUrl: URL): Promise<URL> {
  const page = await fetch(authorizationUrl, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  expect(page.status).toBe(200);
  const html = await page.text();
  const action = /<form method="post" action="([^"]+)">/.exec(html)?.[1];
  expect(action).toBeDefined();
  const answer = await fetch(new URL(action!, authorizationUrl), {
    ...form({ request: requestIdOf(html), username: 'alice', password: ALICE_PASSWORD }),
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  expect(answer.status).toBe(303);
  return new URL(answer.headers.get('location')!);
}

describe('openid-client v6', () => {
  it.each([
    ['client_secret_basic', () => client.ClientSecretBasic(fixture.clientSecret)],
    ['client_secret_post', () => client.ClientSecretPost(fixture.clientSecret)],
  ])('signs in with %s: discovery, PKCE, the code grant, a refresh and the end-session URL', async (_method, auth) => {
    const service = await startService({ directory: fixture.directory, issuer: 'origin', clock: testClock(Date.now()) });
    const config = await discover(service, auth());
    expect(config.serverMetadata()).toMatchObject({ issuer: service.url, authorization_endpoint: `${service.url}/authorize`, code_challenge_methods_supported: ['S256'] });

    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile groups',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const callback = await logInThroughPage(url);

    const signedIn = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    expect(signedIn.claims()).toMatchObject({ iss: service.url, sub: 'alice', aud: CLIENT_ID, nonce, preferred_username: 'alice', groups: ['staff', 'finance', 'admin'] });
    expect(signedIn.token_type).toBe('bearer');
    expect(signedIn.refresh_token).toBeDefined();

    const refreshed = await client.refreshTokenGrant(config, signedIn.refresh_token!);
    expect(refreshed.claims()).toMatchObject({ sub: 'alice', sid: signedIn.claims()!.sid });
    expect(refreshed.refresh_token).not.toBe(signedIn.refresh_token);
    const me = await fetch(`${service.url}/userinfo`, { headers: { authorization: `Bearer ${refreshed.access_token}` }, signal: AbortSignal.timeout(10_000) });
    expect(await me.json()).toMatchObject({ sub: 'alice' });

    const end = client.buildEndSessionUrl(config, { id_token_hint: refreshed.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI, state: 'signed-out' });
    const out = await fetch(end, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe(`${POST_LOGOUT_URI}?state=signed-out`);
    // The sign-in is over: its refresh token no longer works.
    await expect(client.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('sees a refusal at /authorize as the error it is', async () => {
    const service = await startService({ directory: fixture.directory, issuer: 'origin', clock: testClock(Date.now()) });
    const config = await discover(service, client.ClientSecretBasic(fixture.clientSecret));
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'plain', state: 's' });
    const refused = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    expect(refused.status).toBe(302);
    await expect(client.authorizationCodeGrant(config, new URL(refused.headers.get('location')!), { expectedState: 's', pkceCodeVerifier: 'v'.repeat(43) })).rejects.toMatchObject({
      error: 'invalid_request',
    });
  });
});
