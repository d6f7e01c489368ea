import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { hasFormBody, readForm } from '../http/body.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { oauthError, problem } from '../http/errors.ts';
import { addRoute } from '../http/route.ts';
import { CACHE_CONTROL_HEADER, OAuthError, Problem, REALM } from '../http/schemas.ts';
import { cacheControlFor, identify } from '../identify.ts';
import { err, ok, type Result } from '../result.ts';

/**
 * OpenID Connect UserInfo (OIDC Core §5.3): the token as a bearer credential, claims back. GET and POST
 * both, as §5.3.1 requires; POST may also carry the token as the `access_token` form parameter
 * (RFC 6750 §2.2).
 */

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

const UserInfoForm = z
  .object({ access_token: z.string().openapi({ description: 'The access token, when it is not in the Authorization header (never both).' }) })
  .openapi('UserInfoForm');

const responses = {
  200: { description: 'The token is valid; these are its holder\'s claims.', headers: CACHE_CONTROL_HEADER, content: { 'application/json': { schema: Claims } } },
  401: {
    description:
      'A token that is not valid: `invalid_token`, with `WWW-Authenticate: Bearer …, error="invalid_token"`. ' +
      'No token at all: a problem without an error code, and `WWW-Authenticate: Bearer realm="…"` (RFC 6750 §3.1).',
    content: { 'application/json': { schema: OAuthError }, 'application/problem+json': { schema: Problem } },
  },
};

const getContract = createRoute({
  method: 'get',
  path: '/userinfo',
  tags: ['validation'],
  summary: 'Who holds this token? (OIDC UserInfo)',
  description: 'Point Formgate at it with `--auth-protocol oidc --auth-url http://HOST:PORT/userinfo`.',
  security: [{ bearerAuth: [] }],
  responses,
});

const postContract = createRoute({
  method: 'post',
  path: '/userinfo',
  tags: ['validation'],
  summary: 'Who holds this token? (OIDC UserInfo, by POST)',
  description: 'The same as GET. The token goes in the Authorization header or, instead, in the form body as `access_token`.',
  security: [{ bearerAuth: [] }],
  request: { body: { required: false, content: { 'application/x-www-form-urlencoded': { schema: UserInfoForm } } } },
  responses: {
    ...responses,
    400: { description: '`invalid_request`: the token was sent in more than one way, or the form is not valid.', content: { 'application/json': { schema: OAuthError } } },
  },
});

// RFC 6750 §2.1: the b64token syntax.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The token the request carries, undefined when it carries none; an error when it is sent wrongly. */
async function bearerToken(c: Context<AppEnv>): Promise<Result<string | undefined, string>> {
  const fromHeader = BEARER.exec(c.req.header('authorization') ?? '')?.[1];
  if (c.req.method !== 'POST' || !hasFormBody(c)) return ok(fromHeader);
  const form = await readForm(c);
  if (!form.ok) return form;
  const fromBody = form.value.access_token;
  if (fromHeader !== undefined && fromBody !== undefined) return err('send the access token in one way only: the Authorization header or the access_token parameter');
  return ok(fromHeader ?? fromBody);
}

export function userinfoRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const handler = async (c: Context<AppEnv>) => {
    const sent = await bearerToken(c);
    if (!sent.ok) {
      c.set('refusal', 'invalid request');
      return oauthError(c, 400, 'invalid_request', `The request is not valid: ${sent.error}.`, { 'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_request"` });
    }
    const token = sent.value;
    if (token === undefined) {
      c.set('refusal', 'no bearer token');
      // RFC 6750 §3.1: a request with no credentials gets a challenge and no error code, nor anything saying one.
      return problem(401, 'Unauthorized', 'Send the access token as Authorization: Bearer TOKEN.', {
        'WWW-Authenticate': `Bearer realm="${REALM}"`,
        'Cache-Control': 'no-store',
      });
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
  };
  addRoute(app, getContract, handler);
  addRoute(app, postContract, handler);
}
