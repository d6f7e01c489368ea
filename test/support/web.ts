import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { ProtectConfig } from '../../src/auth/protection.ts';
import { keysFromSecrets } from '../../src/web/keys.ts';
import type { WebOptions } from '../../src/web/options.ts';
import { buildTestApp, type TestApp } from './app.ts';
import { DRIVERS } from './databases.ts';
import type { OidcProvider } from './oidc-provider.ts';

export const SESSION_SECRET = 'session-secret-for-tests-0123456789abcdef';
export const OLD_SESSION_SECRET = 'an-older-session-secret-0123456789abcdef';

export interface WebHost {
  readonly url: string;
  readonly test: TestApp;
  close(): Promise<void>;
}

/**
 * Formgate with its web client on a real port of 127.0.0.1 (PGlite in memory), its API checking tokens at
 * the provider's /validate. Built after listen, as server.ts does, so the public URL names the real port.
 */
export async function startWebHost(options: { provider?: OidcProvider; protect?: ProtectConfig; secrets?: string[]; publicUrl?: (url: string) => string } = {}): Promise<WebHost> {
  let test: TestApp | undefined;
  const server: Server = createServer((req, res) => void listener(req, res));
  let listener: ReturnType<typeof getRequestListener> = getRequestListener(() => new Response('starting', { status: 503 }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { provider } = options;
  const web: Omit<WebOptions, 'api'> = {
    publicUrl: options.publicUrl?.(url) ?? url,
    sessionKeys: keysFromSecrets(options.secrets ?? [SESSION_SECRET]),
    signIn: provider === undefined ? null : { issuer: provider.issuer, clientId: provider.clientId, clientSecret: async () => provider.clientSecret, retryAfterS: 1 },
  };
  test = await buildTestApp(DRIVERS[0]!, {
    protect: options.protect ?? (provider === undefined ? { forms: 'none', documents: 'none' } : { forms: 'all', documents: 'all' }),
    ...(provider !== undefined ? { authUrl: `${provider.issuer}/validate`, auth: { cache: { size: 0, maxTtlS: 300, defaultTtlS: 0, negativeTtlS: 0, staleIfErrorS: 0 } } } : {}),
    web,
  });
  listener = getRequestListener(test.app.fetch);
  return {
    url,
    test,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await test.close();
    },
  };
}

/** A browser without a renderer: cookies kept per name (as one host sees them), redirects followed by hand. */
export class Browser {
  readonly cookies = new Map<string, string>();
  /** Every URL visited, every response body read, every Set-Cookie seen (for the no-token checks). */
  readonly urls: string[] = [];
  readonly bodies: string[] = [];
  readonly setCookies: string[] = [];

  constructor(readonly site: string) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** One request, no redirect followed; cookies sent only to the site. */
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    this.urls.push(url);
    const headers = new Headers(init.headers);
    if (url.startsWith(this.site) && this.cookies.size > 0) headers.set('cookie', this.cookieHeader());
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    if (url.startsWith(this.site)) {
      for (const line of res.headers.getSetCookie()) {
        this.setCookies.push(line);
        const [pair, ...attrs] = line.split(';');
        const eq = pair!.indexOf('=');
        const name = pair!.slice(0, eq).trim();
        const value = pair!.slice(eq + 1).trim();
        if (value === '' || attrs.some((a) => /^\s*max-age=0$/i.test(a))) this.cookies.delete(name);
        else this.cookies.set(name, value);
      }
    }
    return res;
  }

  /** Follows redirects (at most 10) and reads the last body. */
  async go(url: string, init: RequestInit = {}): Promise<{ res: Response; body: string; url: string }> {
    let current = url;
    let res = await this.request(current, init);
    for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops++) {
      await res.body?.cancel();
      current = new URL(res.headers.get('location')!, current).href;
      res = await this.request(current);
    }
    const body = await res.text();
    this.bodies.push(body);
    return { res, body, url: current };
  }

  /** A page's form POSTed as a browser would: the page's CSRF token, this site's Origin. */
  async post(path: string, fields: Record<string, string>, csrfFrom: string): Promise<{ res: Response; body: string; url: string }> {
    const token = /name="_csrf" value="([^"]+)"/.exec(csrfFrom)?.[1] ?? '';
    return this.go(`${this.site}${path}`, {
      method: 'POST',
      headers: { origin: this.site, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: token, ...fields }).toString(),
    });
  }
}

/**
 * A person signing in through the web client and the example identity service's login form, posted as a
 * browser would: the page the web client ends on (the return-to page, or its error page).
 */
export async function signInAtExample(browser: Browser, who = { username: 'alice', password: 'alice-password' }, returnTo = '/'): Promise<{ res: Response; body: string; url: string }> {
  const login = await browser.go(`${browser.site}/auth/sign-in?return_to=${encodeURIComponent(returnTo)}`);
  const request = /name="request" value="([^"]+)"/.exec(login.body)?.[1];
  if (login.res.status !== 200 || request === undefined) throw new Error(`expected the example's login page, got ${login.res.status} at ${login.url}: ${login.body.slice(0, 300)}`);
  const loginUrl = new URL(login.url);
  return browser.go(`${loginUrl.origin}/authorize`, {
    method: 'POST',
    headers: { origin: loginUrl.origin, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ request, ...who }).toString(),
  });
}
