import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOidcProvider, type OidcProvider } from '../support/oidc-provider.ts';
import { Browser, startWebHost, type WebHost } from '../support/web.ts';

// The whole sign-in round trip over real HTTP: Formgate's web client on a port, the test provider on
// another, a "browser" that carries cookies and follows each Location by hand.

let provider: OidcProvider;
let host: WebHost;

beforeAll(async () => {
  provider = await startOidcProvider();
  host = await startWebHost({ provider });
});
afterAll(async () => {
  await host?.close();
  await provider?.close();
});
afterEach(() => {
  Object.assign(provider, { failRefresh: false, down: false, endSession: true, stateOverride: undefined, nonceOverride: undefined, refreshDelayMs: 0, accessTtlS: 3600 });
});

async function signedIn(returnTo = '/'): Promise<{ browser: Browser; page: string; url: string }> {
  const browser = new Browser(host.url);
  const { res, body, url } = await browser.go(`${host.url}/auth/sign-in?return_to=${encodeURIComponent(returnTo)}`);
  expect(res.status, body.slice(0, 300)).toBe(200);
  return { browser, page: body, url };
}

describe('sign-in', () => {
  it('a visitor of a protected page is sent to sign in and comes back signed in, where they were', async () => {
    const browser = new Browser(host.url);
    const first = await browser.request(`${host.url}/`);
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/auth/sign-in?return_to=%2F');
    const { res, body, url } = await browser.go(`${host.url}/auth/sign-in?return_to=%2F`);
    expect(res.status).toBe(200);
    expect(url).toBe(`${host.url}/`);
    expect(body).toContain('Signed in as Alice Example');
    expect(body).toContain('Notes');
    const session = [...browser.cookies.keys()].filter((k) => k.startsWith('fg-session'));
    expect(session.length).toBeGreaterThan(0);
    expect(browser.cookies.has('fg-sign-in')).toBe(false);
  });

  it('keeps the return_to path and refuses one of another site', async () => {
    const { url } = await signedIn('/?from=a%20test');
    expect(url).toBe(`${host.url}/?from=a%20test`);
    const other = await signedIn('//evil.example/x');
    expect(other.url).toBe(`${host.url}/`);
  });

  it('refuses an answer whose state does not match, with a way to sign in again', async () => {
    provider.stateOverride = 'not-the-state';
    const browser = new Browser(host.url);
    const { res, body } = await browser.go(`${host.url}/auth/sign-in?return_to=%2F`);
    expect(res.status).toBe(400);
    expect(body).toContain('Sign in again');
    expect(body).toContain('href="/auth/sign-in?return_to=%2F"');
    expect([...browser.cookies.keys()].some((k) => k.startsWith('fg-session'))).toBe(false);
  });

  it('refuses an ID token with another nonce', async () => {
    provider.nonceOverride = 'another-nonce';
    const browser = new Browser(host.url);
    const codesBefore = provider.counts.code;
    const { res, body } = await browser.go(`${host.url}/auth/sign-in`);
    expect(provider.counts.code).toBe(codesBefore + 1);
    expect(res.status).toBe(400);
    expect(body).toContain('Sign in again');
  });

  it('refuses a callback without the attempt cookie (stale, or another browser)', async () => {
    const browser = new Browser(host.url);
    const { res, body } = await browser.go(`${host.url}/auth/callback?code=x&state=y`);
    expect(res.status).toBe(400);
    expect(body).toContain('Sign in again');
  });
});

describe('refresh', () => {
  it('refreshes before an API call when the access token is about to expire, and writes the new session', async () => {
    provider.accessTtlS = 10;
    const { browser } = await signedIn();
    const before = browser.cookieHeader();
    const refreshes = provider.counts.refresh;
    const { res, body } = await browser.go(`${host.url}/`);
    expect(res.status).toBe(200);
    expect(body).toContain('Signed in as Alice Example');
    expect(provider.counts.refresh).toBe(refreshes + 1);
    expect(browser.cookieHeader()).not.toBe(before);
  });

  it('refreshes once after an API 401 (a token the provider revoked) and retries the call', async () => {
    const { browser } = await signedIn();
    provider.liveAccessTokens.clear();
    const refreshes = provider.counts.refresh;
    const { res, body } = await browser.go(`${host.url}/`);
    expect(res.status).toBe(200);
    expect(body).toContain('Signed in as Alice Example');
    expect(provider.counts.refresh).toBe(refreshes + 1);
  });

  it('when refresh fails: the session is cleared and the page sends the person to sign in and back', async () => {
    provider.accessTtlS = 10;
    const { browser } = await signedIn();
    provider.failRefresh = true;
    const home = await browser.request(`${host.url}/`);
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toBe('/auth/sign-in?return_to=%2F');
    expect([...browser.cookies.keys()].some((k) => k.startsWith('fg-session'))).toBe(false);
  });

  it('refreshes once for two tabs at once: the provider sees no reuse of a rotated refresh token', async () => {
    provider.accessTtlS = 10;
    const { browser } = await signedIn();
    provider.refreshDelayMs = 200;
    const refreshes = provider.counts.refresh;
    const reused = provider.counts.refreshReused;
    const cookie = browser.cookieHeader();
    const tab = () => fetch(`${host.url}/`, { headers: { cookie }, redirect: 'manual' });
    const [a, b] = await Promise.all([tab(), tab()]);
    expect([a.status, b.status]).toEqual([200, 200]);
    // A third tab a little later, with the same old cookie, is handed the same new tokens.
    const c = await tab();
    expect(c.status).toBe(200);
    expect(provider.counts.refresh).toBe(refreshes + 1);
    expect(provider.counts.refreshReused).toBe(reused);
  });
});

describe('sign-out', () => {
  it('clears the session and ends the provider session with the ID token hint and a way back', async () => {
    const { browser, page } = await signedIn();
    const res = await browser.request(`${host.url}/auth/sign-out`, {
      method: 'POST',
      headers: { origin: host.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: /name="_csrf" value="([^"]+)"/.exec(page)![1]! }).toString(),
    });
    expect(res.status).toBe(303);
    const end = new URL(res.headers.get('location')!);
    expect(end.origin + end.pathname).toBe(`${provider.issuer}/logout`);
    expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${host.url}/`);
    // The client, not the ID token: no token travels in a URL.
    expect(end.searchParams.get('id_token_hint')).toBeNull();
    expect(end.searchParams.get('client_id')).toBe(provider.clientId);
    expect([...browser.cookies.keys()].some((k) => k.startsWith('fg-session'))).toBe(false);
    const after = await browser.request(`${host.url}/`);
    expect(after.status).toBe(303);
  });

  it('without an end-session endpoint goes home', async () => {
    const p2 = await startOidcProvider();
    p2.endSession = false;
    const h2 = await startWebHost({ provider: p2 });
    try {
      const browser = new Browser(h2.url);
      const { body } = await browser.go(`${h2.url}/auth/sign-in`);
      const { url } = await browser.post('/auth/sign-out', {}, body);
      expect(url).toBe(`${h2.url}/`);
      expect(p2.counts.endSession).toBe(0);
    } finally {
      await h2.close();
      await p2.close();
    }
  });
});

describe('a provider that is down', () => {
  it('gives a 503 page that says when to try again, and recovers by itself', async () => {
    const p2 = await startOidcProvider();
    p2.down = true;
    const h2 = await startWebHost({ provider: p2 });
    try {
      const browser = new Browser(h2.url);
      const { res, body } = await browser.go(`${h2.url}/auth/sign-in`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(body).toMatch(/Sign-in is unavailable[\s\S]*try again in \d+ s/i);
      p2.down = false;
      let status = 0;
      for (let i = 0; i < 40 && status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await browser.go(`${h2.url}/auth/sign-in`)).res.status;
      }
      expect(status).toBe(200);
    } finally {
      await h2.close();
      await p2.close();
    }
  });
});
