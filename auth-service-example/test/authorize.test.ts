import { beforeAll, describe, expect, it } from 'vitest';
import { ALICE_PASSWORD, BOB_PASSWORD } from './support/directory.ts';
import { ISSUER, startService } from './support/app.ts';
import { authorizeQuery, CLIENT_ID, oidcDirectory, openLoginPage, postLogin, REDIRECT_URI, requestIdOf, type OidcFixture } from './support/oidc.ts';

/** GET and POST /authorize: the checks before anything is sent back, the login page, and the login itself. */

let fixture: OidcFixture;
beforeAll(async () => {
  fixture = await oidcDirectory();
});

function expectPageHeaders(response: Response): void {
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(response.headers.get('content-security-policy')).toContain("default-src 'none'; style-src 'self'");
  expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(response.headers.get('cache-control')).toBe('no-store');
}

/** The text of the page's error paragraph, if it has one. */
const errorOf = (html: string) => /<p id="login-error"[^>]*>([^<]*)<\/p>/.exec(html)?.[1];

describe('GET /authorize', () => {
  it('shows a login page naming the client, accessible and without script', async () => {
    const service = await startService({ directory: fixture.directory });
    const response = await service.fetch(`/authorize?${authorizeQuery()}`);
    expect(response.status).toBe(200);
    expectPageHeaders(response);
    const html = await response.text();
    expect(html).toContain('<html lang="en">');
    expect(html.match(/<h1>/g)).toHaveLength(1);
    expect(html).toContain(`<h1>Sign in to ${CLIENT_ID}</h1>`);
    expect(html).toContain('<label for="username">');
    expect(html).toContain('<label for="password">');
    expect(html).toMatch(/<input id="password" name="password" type="password"/);
    expect(html).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i);
    expect(requestIdOf(html)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The stylesheet the page links to is there, from this origin.
    const css = await service.fetch('/login.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it.each([
    ['an unknown client', { client_id: 'stranger' }, 'not registered here'],
    ['a redirect URI that is not registered', { redirect_uri: 'http://evil.test/cb' }, 'has not registered'],
    ['a registered redirect URI plus a path', { redirect_uri: `${REDIRECT_URI}/more` }, 'has not registered'],
    ['a registered redirect URI plus a query', { redirect_uri: `${REDIRECT_URI}?x=1` }, 'has not registered'],
    ['no redirect URI', { redirect_uri: undefined }, 'redirect_uri is missing'],
    ['no client', { client_id: undefined }, 'client_id is missing'],
  ])('shows an error page, never a redirect, for %s', async (_what, overrides, message) => {
    const service = await startService({ directory: fixture.directory });
    const response = await service.fetch(`/authorize?${authorizeQuery(overrides)}`, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expectPageHeaders(response);
    expect(await response.text()).toContain(message);
  });

  it.each([
    ['no PKCE', { code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request', 'PKCE is required'],
    ['the plain PKCE method', { code_challenge_method: 'plain' }, 'invalid_request', 'must be S256'],
    ['no PKCE method', { code_challenge_method: undefined }, 'invalid_request', 'must be S256'],
    ['a challenge that is not S256-shaped', { code_challenge: 'short' }, 'invalid_request', 'code_challenge'],
    ['another response type', { response_type: 'token' }, 'unsupported_response_type', 'response_type=code'],
    ['no openid scope', { scope: 'profile' }, 'invalid_scope', 'openid'],
    ['no nonce', { nonce: undefined }, 'invalid_request', 'nonce'],
    ['prompt=none (there is no session here)', { prompt: 'none' }, 'login_required', 'session'],
  ])('sends %s back to the client with error and state', async (_what, overrides, error, description) => {
    const service = await startService({ directory: fixture.directory });
    const response = await service.fetch(`/authorize?${authorizeQuery(overrides)}`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.get('error_description')).toContain(description);
    expect(location.searchParams.get('state')).toBe('state-123');
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('sends a missing state back as invalid_request, without a state', async () => {
    const service = await startService({ directory: fixture.directory });
    const response = await service.fetch(`/authorize?${authorizeQuery({ state: undefined })}`, { redirect: 'manual' });
    const location = new URL(response.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.has('state')).toBe(false);
  });
});

describe('POST /authorize', () => {
  it('redirects (303) to the redirect URI with code, state and iss once the password is right', async () => {
    const service = await startService({ directory: fixture.directory });
    const request = await openLoginPage(service);
    const response = await postLogin(service, request, 'alice', ALICE_PASSWORD);
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get('state')).toBe('state-123');
    expect(location.searchParams.get('iss')).toBe(ISSUER);
    // The page is spent: the same request id cannot sign in again.
    const again = await postLogin(service, request, 'alice', ALICE_PASSWORD);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('expired');
    expect(service.logText()).not.toContain(ALICE_PASSWORD);
    expect(service.logText()).not.toContain(location.searchParams.get('code'));
  });

  it('answers a wrong name, a wrong password and a disabled user with the same message, tied to the inputs', async () => {
    const service = await startService({ directory: fixture.directory });
    const request = await openLoginPage(service);
    const pages: string[] = [];
    for (const [user, password] of [
      ['nobody', ALICE_PASSWORD],
      ['alice', 'wrong-password'],
      ['dora', BOB_PASSWORD],
    ] as const) {
      const response = await postLogin(service, request, user, password);
      expect(response.status).toBe(400);
      expectPageHeaders(response);
      pages.push(await response.text());
    }
    const messages = pages.map(errorOf);
    expect(messages[0]).toBe('The user name or password is not right. Check both and try again.');
    expect(new Set(messages).size).toBe(1);
    expect(pages[1]).toContain('role="alert"');
    expect(pages[1]).toMatch(/<input id="password"[^>]*aria-describedby="login-error"/);
    expect(pages[1]).toMatch(/<input id="username"[^>]*value="alice"[^>]*aria-describedby="login-error"/);
    expect(pages[1]).not.toContain('wrong-password');
    // The page stays usable after a mistake.
    expect((await postLogin(service, request, 'alice', ALICE_PASSWORD)).status).toBe(303);
  });

  it('refuses a login page that expired or never existed', async () => {
    const service = await startService({ directory: fixture.directory, oidc: { pendingTtlS: 60 } });
    const request = await openLoginPage(service);
    service.clock.advance(61);
    const late = await postLogin(service, request, 'alice', ALICE_PASSWORD);
    expect(late.status).toBe(400);
    expect(await late.text()).toContain('This sign-in page has expired');
    expect((await postLogin(service, 'forged-request-id', 'alice', ALICE_PASSWORD)).status).toBe(400);
  });

  it('limits failed attempts per user name: 429 with Retry-After, even for the right password, until the window ends', async () => {
    const service = await startService({ directory: fixture.directory, oidc: { loginLimits: { perUser: 2, perAddress: 100, windowS: 120 } } });
    const request = await openLoginPage(service);
    expect((await postLogin(service, request, 'alice', 'wrong-1')).status).toBe(400);
    expect((await postLogin(service, request, 'alice', 'wrong-2')).status).toBe(400);
    const limited = await postLogin(service, request, 'alice', ALICE_PASSWORD);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('120');
    expectPageHeaders(limited);
    expect(errorOf(await limited.text())).toBe('Too many failed attempts. Wait 2 minutes, then try again.');
    // Another user is not held back by alice's count.
    expect((await postLogin(service, request, 'bob', 'wrong')).status).toBe(400);
    service.clock.advance(121);
    expect((await postLogin(service, request, 'alice', ALICE_PASSWORD)).status).toBe(303);
  });

  it('limits failed attempts per client address, whatever the names', async () => {
    const service = await startService({ directory: fixture.directory, oidc: { loginLimits: { perUser: 100, perAddress: 3, windowS: 30 } } });
    const request = await openLoginPage(service);
    for (const name of ['a1', 'a2', 'a3']) expect((await postLogin(service, request, name, 'x')).status).toBe(400);
    const limited = await postLogin(service, request, 'bob', BOB_PASSWORD);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    expect(errorOf(await limited.text())).toContain('Wait 30 seconds');
  });
});
