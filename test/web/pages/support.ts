import { readFile } from 'node:fs/promises';
import { createHmac, randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { createHostApp } from '../../../src/host.ts';
import type { ProtectConfig } from '../../../src/auth/protection.ts';
import type { Database } from '../../../src/db/connect.ts';
import { identityClientFor } from '../../../src/auth/identity-client.ts';
import { parseFormsFile } from '../../../src/forms/index.ts';
import type { SignInOptions } from '../../../src/web/options.ts';
import { keysFor } from '../../../src/web/keys.ts';
import { authConfig } from '../../support/app.ts';
import { DRIVERS, openMigratedDatabase } from '../../support/databases.ts';

export const PAGE_FORMS = new URL('./forms.yaml', import.meta.url);

export interface WebTestApp {
  /** A request to the whole host, as a browser would send it (relative paths). */
  request(path: string, init?: RequestInit): Promise<Response>;
  /**
   * A form sent as a browser sends it: the page it is on (`from`, default `action`) is loaded first for its
   * `_csrf` field and any cookies it sets, which go back with the POST, with this site's Origin.
   */
  submit(action: string, fields: readonly (readonly [string, string])[], from?: string): Promise<Response>;
  close(): Promise<void>;
  readonly database: Database;
  readonly sessionKeys: Uint8Array[];
}

export interface WebTestOptions {
  protect?: ProtectConfig;
  /** Sign-in "configured": the pages then send a person to sign in on a 401. Never contacted by these tests. */
  signIn?: boolean;
  database?: Database;
  /** The API's --max-body; a generous 1 MiB unless a test wants a 413. */
  maxBodyBytes?: number;
}

// A placeholder issuer on loopback: the skeleton's pages only ask whether sign-in is configured.
const SIGN_IN: SignInOptions = { issuer: 'http://127.0.0.1:9/', clientId: 'formgate-web', clientSecret: async () => 'unused' };

/** The host with the API and the web client, on a fresh PGlite database, with the page tests' forms. */
export async function buildWebTestApp(options: WebTestOptions = {}): Promise<WebTestApp> {
  const pglite = DRIVERS.find((d) => d.name === 'pglite');
  if (pglite === undefined) throw new Error('no pglite driver');
  const owned = options.database === undefined;
  const database = options.database ?? (await openMigratedDatabase(pglite));
  const forms = parseFormsFile(await readFile(PAGE_FORMS, 'utf8'), PAGE_FORMS.pathname);
  if (!forms.ok) throw new Error(`test/web/pages/forms.yaml is invalid: ${JSON.stringify(forms.error)}`);
  const sessionKeys = [new Uint8Array(randomBytes(32))];
  const protect = options.protect ?? { forms: 'none', documents: 'none' };
  const logger = pino({ level: 'silent' });
  // A protected domain needs an identity service to be configured; the pages send no token yet, so it is
  // never called (a loopback port nothing listens on).
  const protectedSomewhere = protect.forms !== 'none' || protect.documents !== 'none';
  const identityClient = protectedSomewhere ? identityClientFor(authConfig('http://127.0.0.1:9/validate'), { logger }) : undefined;
  const app = createHostApp({
    config: { protect, adminGroup: 'admin', auth: { healthUrl: null, timeoutMs: 2000 }, maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024 },
    ...(identityClient ? { identityClient } : {}),
    database,
    forms: forms.value,
    logger,
    web: { publicUrl: ORIGIN, signIn: options.signIn === true ? SIGN_IN : null, sessionKeys },
  });
  const request = async (path: string, init?: RequestInit) => app.request(new URL(path, ORIGIN), init);
  return {
    request,
    submit: async (action, fields, from = action) => {
      const page = await request(from);
      const html = await page.text();
      let token = /name="_csrf" value="([^"]*)"/.exec(html)?.[1] ?? '';
      let cookie = page.headers
        .getSetCookie()
        .map((c) => c.slice(0, c.indexOf(';') === -1 ? undefined : c.indexOf(';')))
        .filter((c) => !c.endsWith('='))
        .join('; ');
      if (token === '') {
        // A page without a form (a 403): the pair a form loaded earlier would have carried, made as the web client makes it.
        const secret = randomBytes(32).toString('base64url');
        token = createHmac('sha256', keysFor('csrf', sessionKeys)[0]!).update(secret).digest('base64url');
        cookie = `fg-csrf=${secret}`;
      }
      return request(action, formPost(fields, { origin: ORIGIN, ...(cookie === '' ? {} : { cookie }) }, token.replaceAll('&amp;', '&')));
    },
    close: () => (owned ? database.close() : Promise.resolve()),
    database,
    sessionKeys,
  };
}

const ORIGIN = 'http://127.0.0.1';

/** A form POST's init: urlencoded, repeated names for a checkbox group, the CSRF field first. */
export function formPost(fields: readonly (readonly [string, string])[], headers: Record<string, string> = {}, csrf = ''): RequestInit {
  const body = new URLSearchParams();
  body.append('_csrf', csrf);
  for (const [name, value] of fields) body.append(name, value);
  return { method: 'POST', body: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } };
}

/** A JSON call to the API itself, to check what the pages stored or to arrange a state. */
export async function apiJson(app: WebTestApp, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await app.request(path, {
    method,
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? null : (JSON.parse(text) as Record<string, unknown>) };
}
