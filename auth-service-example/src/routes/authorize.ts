import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { authenticateUser } from '../credentials.ts';
import { readForm } from '../http/body.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { addRoute } from '../http/route.ts';
import { checkAuthorizationRequest, redirectTo, type AuthorizationRequest } from '../oidc/authorization-request.ts';
import { findClient } from '../oidc/clients.ts';
import { loginPage, messagePage, PAGE_HEADERS, STYLESHEET } from '../oidc/pages.ts';
import { grantScopes } from '../oidc/scopes.ts';
import { randomToken } from '../oidc/sign-in.ts';
import type { OidcState } from '../oidc/state.ts';

/**
 * The authorization endpoint (RFC 6749 §4.1, OIDC Core §3.1.2) with its login page. GET checks the
 * request and shows the page; the request itself waits here, under a random id in the form's hidden
 * field, so the POST carries only that id and the credentials and cannot change what was asked for.
 * There is no sign-in session at this provider: every authorization shows the login page.
 */

const HTML = { 'text/html': { schema: z.string() } };

const getContract = createRoute({
  method: 'get',
  path: '/authorize',
  tags: ['sign-in'],
  summary: 'Start an OpenID Connect sign-in (authorization code with PKCE S256)',
  description:
    'Query: response_type=code, client_id, redirect_uri (registered exactly), scope with openid, state, nonce, code_challenge and ' +
    'code_challenge_method=S256, all required. An unknown client or unregistered redirect URI gets an error page; any other mistake ' +
    'goes back to the redirect URI with error and state.',
  responses: {
    200: { description: 'The login page.', content: HTML },
    302: { description: 'Back to the client with `error`, `error_description` and `state`.' },
    400: { description: 'The client or its redirect URI is not registered: a page, never a redirect.', content: HTML },
  },
});

const LoginForm = z
  .object({ request: z.string().openapi({ description: 'The id in the login page\'s hidden field.' }), username: z.string(), password: z.string() })
  .openapi('LoginForm');

const postContract = createRoute({
  method: 'post',
  path: '/authorize',
  tags: ['sign-in'],
  summary: 'Answer the login page',
  request: { body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: LoginForm } } } },
  responses: {
    303: { description: 'Signed in: to the redirect URI with `code`, `state` and `iss`.' },
    400: { description: 'The login page again with a message (the same one for a wrong name and a wrong password), or an expired request.', content: HTML },
    429: { description: 'Too many failed attempts for this user name or address; `Retry-After` says when to try again.', content: HTML },
  },
});

const styleContract = createRoute({
  method: 'get',
  path: '/login.css',
  tags: ['sign-in'],
  summary: 'The login page\'s stylesheet',
  responses: { 200: { description: 'CSS.', content: { 'text/css': { schema: z.string() } } } },
});

export const WRONG_CREDENTIALS = 'The user name or password is not right. Check both and try again.';

export function authorizeRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps, oidc: OidcState): void {
  addRoute(app, styleContract, (c) => c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }));

  addRoute(app, getContract, async (c) => {
    const checked = checkAuthorizationRequest(await deps.directory.current(), new URL(c.req.url).searchParams);
    if (!checked.ok) {
      const refusal = checked.error;
      c.set('refusal', 'invalid authorization request');
      if (refusal.kind === 'page') return page(c, 400, messagePage('This sign-in cannot go on', refusal.message, 'Go back to the application and try again. If it keeps happening, its registration here needs fixing.'));
      const location = redirectTo(refusal.redirectUri, { error: refusal.error, error_description: refusal.description, state: refusal.state, iss: deps.issuer });
      return c.body(null, 302, { Location: location, 'Cache-Control': 'no-store' });
    }
    const requestId = randomToken();
    const nowMs = deps.now();
    oidc.pending.set(requestId, checked.value, nowMs + oidc.settings.pendingTtlS * 1000, nowMs);
    return page(c, 200, loginPage({ clientId: checked.value.clientId, requestId }));
  });

  addRoute(app, postContract, async (c) => {
    const form = await readForm(c);
    const requestId = form.ok ? form.value.request : undefined;
    const nowMs = deps.now();
    const request = requestId === undefined ? undefined : oidc.pending.get(requestId, nowMs);
    const directory = await deps.directory.current();
    if (!form.ok || requestId === undefined || request === undefined || !stillRegistered(request, directory)) {
      return page(c, 400, messagePage('This sign-in page has expired', 'The page was open too long, or was already used.', 'Go back to the application and sign in again.'));
    }
    const { username, password } = form.value;
    const again = (status: 400 | 429, error: string, headers: Record<string, string> = {}) =>
      page(c, status, loginPage({ clientId: request.clientId, requestId, ...(username === undefined ? {} : { userName: username }), error }), headers);
    if (username === undefined || password === undefined) return again(400, 'Enter both your user name and your password.');

    const address = clientAddress(c);
    const waitS = oidc.limits.retryAfterS(username, address, nowMs);
    if (waitS !== undefined) {
      c.set('refusal', 'too many failed logins');
      return again(429, `Too many failed attempts. Wait ${describeWait(waitS)}, then try again.`, { 'Retry-After': String(waitS) });
    }
    const principal = await authenticateUser(directory, username, password);
    if (principal === undefined) {
      oidc.limits.failed(username, address, nowMs);
      c.set('refusal', 'wrong user name or password');
      return again(400, WRONG_CREDENTIALS);
    }
    oidc.limits.succeeded(username);
    oidc.pending.delete(requestId);
    c.set('principal', principal.subject);
    const code = oidc.codes.issue(
      {
        signIn: { clientId: request.clientId, subject: principal.subject, scopes: grantScopes(request.scopes, principal.scopes), authTimeS: Math.floor(nowMs / 1000), sid: randomToken() },
        redirectUri: request.redirectUri,
        codeChallenge: request.codeChallenge,
        nonce: request.nonce,
      },
      nowMs,
    );
    return c.body(null, 303, { Location: redirectTo(request.redirectUri, { code, state: request.state, iss: deps.issuer }), 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
  });
}

function page(c: Context<AppEnv>, status: 200 | 400 | 429, body: ReturnType<typeof loginPage>, headers: Record<string, string> = {}) {
  return c.html(body, status, { ...PAGE_HEADERS, ...headers });
}

/** A client removed, or its redirect URI unregistered, while its login page was open ends the sign-in. */
function stillRegistered(request: AuthorizationRequest, directory: Parameters<typeof findClient>[0]): boolean {
  return findClient(directory, request.clientId)?.redirectUris.includes(request.redirectUri) === true;
}

/** The peer's address; an app served without a Node socket (app.request in a test) counts as one caller. */
function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function describeWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
