import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcProvider, type OidcProvider } from '../support/oidc-provider.ts';
import { Browser, OLD_SESSION_SECRET, SESSION_SECRET, startWebHost, type WebHost } from '../support/web.ts';

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

async function signIn(site: WebHost = host): Promise<{ browser: Browser; page: string }> {
  const browser = new Browser(site.url);
  const { res, body } = await browser.go(`${site.url}/auth/sign-in`);
  expect(res.status).toBe(200);
  return { browser, page: body };
}

const sessionCookies = (lines: string[]) => lines.filter((l) => /^(__Host-)?fg-session/.test(l) && !/max-age=0/i.test(l));

describe('the session cookie', () => {
  it('is HttpOnly, SameSite=Lax, Path=/, and neither Secure nor __Host- on http', async () => {
    const { browser } = await signIn();
    const lines = sessionCookies(browser.setCookies);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toMatch(/; HttpOnly/);
      expect(line).toMatch(/; SameSite=Lax/);
      expect(line).toMatch(/; Path=\//);
      expect(line).not.toMatch(/; Secure/);
      expect(line.length).toBeLessThan(4096);
    }
  });

  it('is Secure with the __Host- prefix when the public URL is https', async () => {
    const p2 = await startOidcProvider();
    const h2 = await startWebHost({ provider: p2, publicUrl: () => 'https://forms.example.org' });
    try {
      const browser = new Browser(h2.url);
      const start = await browser.request(`${h2.url}/auth/sign-in`);
      expect(start.status).toBe(302);
      const attempt = browser.setCookies.find((l) => l.startsWith('__Host-fg-sign-in='));
      expect(attempt).toMatch(/; Secure/);
      // The provider sends the browser back to the public URL: carry the answer to this host by hand.
      const back = new URL((await browser.request(start.headers.get('location')!)).headers.get('location')!);
      expect(back.origin).toBe('https://forms.example.org');
      const done = await browser.request(`${h2.url}${back.pathname}${back.search}`);
      expect(done.status).toBe(303);
      const lines = sessionCookies(browser.setCookies);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        expect(line).toMatch(/^__Host-fg-session/);
        expect(line).toMatch(/; Secure/);
        expect(line).toMatch(/; HttpOnly/);
      }
    } finally {
      await h2.close();
      await p2.close();
    }
  });

  it('a tampered cookie is no session: the visitor is anonymous', async () => {
    const { browser } = await signIn();
    const name = [...browser.cookies.keys()].find((k) => k === 'fg-session')!;
    const value = browser.cookies.get(name)!;
    browser.cookies.set(name, value.slice(0, -4) + (value.endsWith('AAAA') ? 'BBBB' : 'AAAA'));
    const res = await browser.request(`${host.url}/`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/auth\/sign-in/);
  });

  it('rotates keys: a cookie sealed with an older secret opens, and the next one is sealed with the first', async () => {
    const p2 = await startOidcProvider();
    p2.accessTtlS = 10;
    const before = await startWebHost({ provider: p2, secrets: [OLD_SESSION_SECRET] });
    const { browser } = await signIn(before);
    await before.close();
    const after = await startWebHost({ provider: p2, secrets: [SESSION_SECRET, OLD_SESSION_SECRET] });
    const onlyNew = await startWebHost({ provider: p2, secrets: [SESSION_SECRET] });
    try {
      const moved = new Browser(after.url);
      for (const [k, v] of browser.cookies) moved.cookies.set(k, v);
      const res = await moved.request(`${after.url}/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('Signed in as Alice Example');
      // The refresh (the token had < 30 s) wrote a new cookie: a host with the new secret alone opens it.
      expect(sessionCookies(moved.setCookies).length).toBeGreaterThan(0);
      const third = new Browser(onlyNew.url);
      for (const [k, v] of moved.cookies) third.cookies.set(k, v);
      p2.accessTtlS = 3600;
      const again = await third.request(`${onlyNew.url}/`);
      expect(again.status).toBe(200);
      // ...and the old cookie does not open there.
      const stale = new Browser(onlyNew.url);
      for (const [k, v] of browser.cookies) stale.cookies.set(k, v);
      expect((await stale.request(`${onlyNew.url}/`)).status).toBe(303);
    } finally {
      await after.close();
      await onlyNew.close();
      await p2.close();
    }
  });
});

describe('CSRF and Origin on every POST', () => {
  const post = (browser: Browser, fields: Record<string, string>, headers: Record<string, string>) =>
    browser.request(`${host.url}/auth/sign-out`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });
  const tokenOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)![1]!;

  it('refuses a missing or wrong token with a 403 page that says what to do, and changes nothing', async () => {
    const { browser, page } = await signIn();
    for (const fields of [{}, { _csrf: 'x'.repeat(43) }, { _csrf: tokenOf(page).slice(1) }] as Record<string, string>[]) {
      const res = await post(browser, fields, { origin: host.url });
      expect(res.status).toBe(403);
      expect(await res.text()).toMatch(/Go back, reload the page, and send the form again/);
    }
    expect((await browser.request(`${host.url}/`)).status).toBe(200);
  });

  it('refuses a wrong or missing Origin even with the right token', async () => {
    const { browser, page } = await signIn();
    for (const headers of [{ origin: 'http://evil.example' }, {} as Record<string, string>, { origin: 'null' }]) {
      const res = await post(browser, { _csrf: tokenOf(page) }, headers);
      expect(res.status).toBe(403);
      await res.body?.cancel();
    }
    expect((await post(browser, { _csrf: tokenOf(page) }, { origin: host.url })).status).toBe(303);
  });

  it('refuses a token made for another visitor (another CSRF cookie)', async () => {
    const a = await signIn();
    const b = await signIn();
    const res = await post(b.browser, { _csrf: tokenOf(a.page) }, { origin: host.url });
    expect(res.status).toBe(403);
  });

  it('refuses a body over 1 MiB with a 413 page', async () => {
    const { browser, page } = await signIn();
    const res = await post(browser, { _csrf: tokenOf(page), big: 'x'.repeat(1024 * 1024 + 10) }, { origin: host.url, connection: 'close' });
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('too much to send');
  });
});

describe('headers and tokens', () => {
  it('every web response carries the security headers; pages are no-store, the stylesheet revalidates with its ETag', async () => {
    const { browser } = await signIn();
    for (const path of ['/', '/no-such-page', '/auth/callback', '/assets/style.css']) {
      const res = await browser.request(`${host.url}${path}`);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain(`form-action 'self' ${provider.issuer}`);
      expect(csp).not.toContain('script-src');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      if (path !== '/assets/style.css') expect(res.headers.get('cache-control')).toBe('no-store');
      await res.body?.cancel();
    }
    const css = await browser.request(`${host.url}/assets/style.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    const etag = css.headers.get('etag')!;
    expect(await css.text()).toContain('.error-summary');
    const again = await browser.request(`${host.url}/assets/style.css`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('no token the provider issued appears in any page, URL of this site or cookie but the session', async () => {
    provider.accessTtlS = 10; // so the visits below refresh, and the refreshed tokens are checked too
    const { browser, page } = await signIn();
    await browser.go(`${host.url}/`);
    await browser.go(`${host.url}/no-such-page`);
    await browser.post('/auth/sign-out', {}, page);
    provider.accessTtlS = 3600;
    const tokens = provider.issued;
    expect(tokens.length).toBeGreaterThan(3);
    const ownUrls = browser.urls.filter((u) => u.startsWith(host.url));
    const otherCookies = browser.setCookies.filter((l) => !/^(__Host-)?fg-session/.test(l));
    for (const token of tokens) {
      for (const text of [...browser.bodies, ...ownUrls, ...otherCookies]) expect(text.includes(token)).toBe(false);
      // Sealed, the session cookie does not hold a token in the clear either.
      for (const line of browser.setCookies) expect(line.includes(token)).toBe(false);
    }
  });
});
