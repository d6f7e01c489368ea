import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractsOnlyHost } from '../../src/host.ts';
import { DOCS_CSP } from '../../src/openapi/reference.ts';
import { launchBrowser } from '../support/browser.ts';

/**
 * /docs renders the API reference from Formgate alone: the viewer's script comes from the server itself,
 * so the page works on a network without internet access, and nothing on it reaches another origin.
 */

let server: ServerType;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  const host = contractsOnlyHost();
  await new Promise<void>((resolve) => {
    server = serve({ fetch: host.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe('/docs in Chromium', () => {
  it('renders the reference from this server alone, with no console error or CSP violation', { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    // Injected by the browser, not the page, so the page's own CSP does not stop it from listening.
    await page.addInitScript(
      'window.cspViolations = []; document.addEventListener("securitypolicyviolation", (e) => window.cspViolations.push(e.violatedDirective + " " + e.blockedURI));',
    );
    await page.goto(`${origin}/docs`, { timeout: 30_000 });
    // Summaries from the document: the viewer fetched /openapi.json and rendered its operations.
    await page.getByText('List the forms').first().waitFor({ timeout: 30_000 });
    await page.getByText('Formgate').first().waitFor({ timeout: 5_000 });
    const violations = (await page.evaluate('window.cspViolations')) as string[];
    await page.close();

    expect(requests.length).toBeGreaterThan(1);
    const elsewhere = requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:') && !url.startsWith('blob:'));
    expect(elsewhere).toEqual([]);
    expect(requests).toContain(`${origin}/openapi.json`);
    // The bundled zod probes once whether eval is allowed (`try { new Function('') }`) and, refused, goes on
    // without it: that one refusal is the CSP working, not a fault of the page.
    expect(violations.filter((v) => v !== 'script-src eval')).toEqual([]);
    expect(problems).toEqual([]);
  });
});

describe('/docs over HTTP', () => {
  it('sends the page with a CSP of its own origin and no framing, and a script with a content-addressed path', async () => {
    const res = await fetch(`${origin}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(DOCS_CSP);
    expect(DOCS_CSP).toContain("frame-ancestors 'none'");
    expect(DOCS_CSP).toContain("script-src 'self'");
    expect(DOCS_CSP).not.toMatch(/script-src[^;]*unsafe/);
    const html = await res.text();
    expect(html).not.toMatch(/https?:\/\//);
    const script = /<script src="(\/docs\/viewer-[A-Za-z0-9_-]+\.js)"><\/script>/.exec(html)?.[1];
    expect(script).toBeDefined();

    const js = await fetch(`${origin}${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = js.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{16}"$/);
    expect((await js.arrayBuffer()).byteLength).toBeGreaterThan(100_000);

    const again = await fetch(`${origin}${script}`, { headers: { 'If-None-Match': etag! } });
    expect(again.status).toBe(304);
    const stale = await fetch(`${origin}/docs/viewer-0000000000000000.js`);
    expect(stale.status).toBe(404);
    expect(stale.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
