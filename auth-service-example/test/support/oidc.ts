import { createHash, randomBytes } from 'node:crypto';
import { generateClientSecret } from '../../src/client-secrets.ts';
import type { Directory } from '../../src/directory/schema.ts';
import { hashSecret } from '../../src/passwords.ts';
import { testDirectory, type TestDirectory } from './directory.ts';
import { basic, form, type TestService } from './app.ts';

/**
 * The sign-in flow as a relying party drives it, by hand: a directory with a registered client, PKCE
 * pairs, the login page's hidden request id, and the token requests.
 */

export const CLIENT_ID = 'formgate-web';
export const REDIRECT_URI = 'http://127.0.0.1:8080/auth/callback';
export const POST_LOGOUT_URI = 'http://127.0.0.1:8080/';

export interface OidcFixture extends TestDirectory {
  readonly clientSecret: string;
  /** A second client, to show that codes and refresh tokens are bound to theirs. */
  readonly otherSecret: string;
}

export async function oidcDirectory(): Promise<OidcFixture> {
  const base = await testDirectory();
  const web = generateClientSecret();
  const other = generateClientSecret();
  const createdAt = '2026-01-01T00:00:00Z';
  const directory: Directory = {
    ...base.directory,
    users: { ...base.directory.users, dora: { ...base.directory.users.bob!, disabled: true } },
    clients: {
      [CLIENT_ID]: { secrets: [{ id: web.id, hash: await hashSecret(web.secret), createdAt }], redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [POST_LOGOUT_URI] },
      other: { secrets: [{ id: other.id, hash: await hashSecret(other.secret), createdAt }], redirectUris: ['http://127.0.0.1:7000/cb'] },
    },
  };
  return { ...base, directory, clientSecret: web.secret, otherSecret: other.secret };
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeQuery(overrides: Record<string, string | undefined> = {}, challenge = pkce().challenge): string {
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile groups',
    state: 'state-123',
    nonce: 'nonce-456',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...overrides,
  };
  const defined = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
  return new URLSearchParams(defined).toString();
}

/** The hidden request id of a login page. */
export function requestIdOf(html: string): string {
  const id = /<input type="hidden" name="request" value="([A-Za-z0-9_-]+)">/.exec(html)?.[1];
  if (id === undefined) throw new Error(`no request id in the page:\n${html.slice(0, 2000)}`);
  return id;
}

export async function openLoginPage(service: TestService, query = authorizeQuery()): Promise<string> {
  const page = await service.fetch(`/authorize?${query}`, { redirect: 'manual' });
  if (page.status !== 200) throw new Error(`GET /authorize answered ${page.status}: ${await page.text()}`);
  return requestIdOf(await page.text());
}

export function postLogin(service: TestService, request: string, username: string, password: string): Promise<Response> {
  return service.fetch('/authorize', { ...form({ request, username, password }), redirect: 'manual' });
}

/** GET /authorize, the login, and the code from the redirect. */
export async function signIn(service: TestService, user: string, password: string, challenge: string, overrides: Record<string, string> = {}): Promise<string> {
  const request = await openLoginPage(service, authorizeQuery(overrides, challenge));
  const answer = await postLogin(service, request, user, password);
  if (answer.status !== 303) throw new Error(`POST /authorize answered ${answer.status}: ${await answer.text()}`);
  const code = new URL(answer.headers.get('location')!).searchParams.get('code');
  if (code === null) throw new Error(`no code in ${answer.headers.get('location')}`);
  return code;
}

export function tokenRequest(service: TestService, params: Record<string, string>, secret?: string, clientId = CLIENT_ID): Promise<Response> {
  const request = form(params);
  return service.fetch('/token', secret === undefined ? request : { ...request, headers: { ...(request.headers as Record<string, string>), authorization: basic(clientId, secret) } });
}

export interface TokenAnswer {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  id_token: string;
  scope: string;
}
