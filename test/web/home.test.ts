import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, startWebHost, type WebHost } from '../support/web.ts';

// Without --ui-issuer: no sign-in routes, the home page shows what anonymous callers may do and how to
// enable sign-in. The fixture forms' access rules decide what the anonymous caller may do.
let host: WebHost;
beforeAll(async () => {
  host = await startWebHost({ protect: { forms: 'none', documents: 'writes' } });
});
afterAll(async () => host?.close());

describe('the home page without sign-in', () => {
  it('lists the forms an anonymous visitor may use, what they may do, and says how to enable sign-in', async () => {
    const browser = new Browser(host.url);
    const { res, body } = await browser.go(`${host.url}/`);
    expect(res.status).toBe(200);
    expect(body).toContain('Sign-in is not set up on this server');
    expect(body).toContain('--ui-issuer');
    expect(body).not.toContain('/auth/sign-in');
    expect(body).toMatch(/<h2 id="form-[a-z-]+">/);
    expect(body).toMatch(/You may (fill it in|read)/);
  });

  it('has no sign-in routes', async () => {
    const browser = new Browser(host.url);
    for (const path of ['/auth/sign-in', '/auth/callback']) expect((await browser.go(`${host.url}${path}`)).res.status).toBe(404);
  });

  it('sets a CSRF cookie for anonymous visitors too (HttpOnly, SameSite=Lax)', async () => {
    const browser = new Browser(host.url);
    await browser.go(`${host.url}/`);
    const line = browser.setCookies.find((l) => l.startsWith('fg-csrf='));
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; SameSite=Lax/);
    // Once set, it stays: the next page does not set another.
    const count = browser.setCookies.length;
    await browser.go(`${host.url}/`);
    expect(browser.setCookies.length).toBe(count);
  });
});
