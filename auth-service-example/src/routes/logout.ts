import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { addRoute } from '../http/route.ts';
import { redirectTo } from '../oidc/authorization-request.ts';
import { findClient } from '../oidc/clients.ts';
import { readIdTokenHint } from '../oidc/id-token.ts';
import { messagePage, PAGE_HEADERS } from '../oidc/pages.ts';
import type { OidcState } from '../oidc/state.ts';

/**
 * The end-session endpoint (OpenID Connect RP-Initiated Logout 1.0). The ID token hint names the
 * sign-in (its `sid`), whose refresh tokens are revoked; access tokens already issued run out on their
 * own. The person goes back to a post-logout redirect URI only if the client registered it.
 */

const contract = createRoute({
  method: 'get',
  path: '/logout',
  tags: ['sign-in'],
  summary: 'End a sign-in (RP-Initiated Logout)',
  description:
    'Query: id_token_hint (an ID token of this provider, expired or not), post_logout_redirect_uri (registered for the client the hint ' +
    'or client_id names), state, client_id. Revokes the refresh tokens of the hint\'s sid.',
  responses: {
    200: { description: '"You are signed out": no post_logout_redirect_uri was asked for.', content: { 'text/html': { schema: z.string() } } },
    303: { description: 'To the post_logout_redirect_uri, with state.' },
    400: { description: 'The hint is not ours, names another client than client_id, or the redirect URI is not registered.', content: { 'text/html': { schema: z.string() } } },
  },
});

export function logoutRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps, oidc: OidcState): void {
  addRoute(app, contract, async (c) => {
    const query = new URL(c.req.url).searchParams;
    const param = (name: string) => query.get(name) || undefined;
    const hintText = param('id_token_hint');
    const hint = hintText === undefined ? undefined : await readIdTokenHint(deps.key, deps.issuer, hintText);
    if (hint !== undefined && !hint.ok) return refuse(c, 'The sign-out request came with a token this service did not issue.');
    const clientId = param('client_id');
    if (hint !== undefined && clientId !== undefined && hint.value.aud !== clientId) return refuse(c, 'The sign-out request names two different applications.');
    const client = hint?.value.aud ?? clientId;

    if (hint?.value.sid !== undefined) {
      const revoked = oidc.refresh.revokeSession(hint.value.sid, deps.now());
      c.set('principal', hint.value.sub);
      deps.logger.info({ principal: hint.value.sub, revokedSignIns: revoked }, 'signed out');
    }
    const target = param('post_logout_redirect_uri');
    if (target === undefined) return signedOut(c);
    const registered = client === undefined ? undefined : findClient(await deps.directory.current(), client);
    if (registered === undefined || !(registered.postLogoutRedirectUris ?? []).includes(target)) {
      return refuse(c, 'You are signed out here, but the application asked to send you to an address it has not registered, so you stay on this page.');
    }
    return c.body(null, 303, { Location: redirectTo(target, { state: param('state') }), 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
  });
}

function signedOut(c: Context<AppEnv>): Response | Promise<Response> {
  return c.html(messagePage('You are signed out', 'You are signed out of the example identity service.', 'You can close this page, or go back to the application.'), 200, PAGE_HEADERS);
}

function refuse(c: Context<AppEnv>, message: string): Response | Promise<Response> {
  c.set('refusal', 'invalid logout request');
  return c.html(messagePage('Sign-out problem', message), 400, PAGE_HEADERS);
}
