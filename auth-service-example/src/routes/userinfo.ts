import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { oauthError } from '../http/errors.ts';
import { addRoute } from '../http/route.ts';
import { CACHE_CONTROL_HEADER, OAuthError, REALM } from '../http/schemas.ts';
import { cacheControlFor, identify } from '../identify.ts';

/** OpenID Connect style UserInfo (OIDC Core §5.3): the token as a bearer credential, claims back. */

const Claims = z
  .object({
    sub: z.string().openapi({ example: 'alice' }),
    name: z.string().optional().openapi({ example: 'Alice Example' }),
    preferred_username: z.string().openapi({ example: 'alice' }),
    email: z.string().optional().openapi({ example: 'alice@example.com' }),
    groups: z.array(z.string()).openapi({ example: ['staff', 'finance'] }),
    scope: z.string().optional(),
  })
  .openapi('UserInfoClaims');

const contract = createRoute({
  method: 'get',
  path: '/userinfo',
  tags: ['validation'],
  summary: 'Who holds this token? (OIDC UserInfo)',
  description: 'Point Formgate at it with `--auth-protocol oidc --auth-url http://HOST:PORT/userinfo`.',
  security: [{ bearerAuth: [] }],
  responses: {
    200: { description: 'The token is valid; these are its holder\'s claims.', headers: CACHE_CONTROL_HEADER, content: { 'application/json': { schema: Claims } } },
    401: { description: 'No token, or one that is not valid. `WWW-Authenticate: Bearer`.', content: { 'application/json': { schema: OAuthError } } },
  },
});

// RFC 6750 §2.1: the b64token syntax.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export function userinfoRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  addRoute(app, contract, async (c) => {
    const token = BEARER.exec(c.req.header('authorization') ?? '')?.[1];
    if (token === undefined) {
      c.set('refusal', 'no bearer token');
      // RFC 6750 §3.1: a request with no credentials gets a challenge without an error code.
      return oauthError(c, 401, 'invalid_token', 'Send the access token as Authorization: Bearer TOKEN.', { 'WWW-Authenticate': `Bearer realm="${REALM}"` });
    }
    const found = await identify(deps, token);
    if (!found.ok) {
      c.set('refusal', found.error);
      return oauthError(c, 401, 'invalid_token', `The token is not valid (${found.error}).`, {
        'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_token"`,
      });
    }
    const { principal, token: verified } = found.value;
    c.set('principal', principal.subject);
    return c.json(
      {
        sub: principal.subject,
        ...(principal.displayName === undefined ? {} : { name: principal.displayName }),
        preferred_username: principal.name,
        ...(principal.email === undefined ? {} : { email: principal.email }),
        groups: principal.groups,
        ...(verified.scope === undefined ? {} : { scope: verified.scope }),
      },
      200,
      { 'Cache-Control': cacheControlFor(found.value) },
    );
  });
}
