import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { authenticateServiceAccount } from '../credentials.ts';
import { readForm } from '../http/body.ts';
import { clientCredentials, invalidClient } from '../http/client-auth.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { oauthError } from '../http/errors.ts';
import { addRoute } from '../http/route.ts';
import { CACHE_CONTROL_HEADER, OAuthError } from '../http/schemas.ts';
import { cacheControlFor, identify } from '../identify.ts';
import { AUDIENCE } from '../tokens.ts';

/**
 * OAuth 2.0 Token Introspection (RFC 7662). The caller is a service account (HTTP Basic, or client_id
 * and client_secret in the body); every answer about the token itself is a 200, `active: false` for
 * any token that is not valid, with no reason given (§2.2).
 */

const IntrospectionRequest = z
  .object({
    token: z.string(),
    token_type_hint: z.string().optional().openapi({ description: 'Ignored: this service issues access tokens only.' }),
  })
  .openapi('IntrospectionRequest');

const Introspection = z
  .object({
    active: z.boolean(),
    sub: z.string().optional().openapi({ example: 'alice' }),
    username: z.string().optional().openapi({ example: 'alice' }),
    name: z.string().optional(),
    email: z.string().optional(),
    groups: z.array(z.string()).optional(),
    scope: z.string().optional(),
    exp: z.int().optional(),
    iat: z.int().optional(),
    iss: z.string().optional(),
    aud: z.string().optional(),
    jti: z.string().optional(),
    token_type: z.literal('Bearer').optional(),
  })
  .openapi('Introspection');

const contract = createRoute({
  method: 'post',
  path: '/introspect',
  tags: ['validation'],
  summary: 'Is this token active, and whose is it? (RFC 7662)',
  description:
    'Point Formgate at it with `--auth-protocol introspection --auth-url http://HOST:PORT/introspect --auth-client-id NAME --auth-client-secret KEY`, ' +
    'where NAME is a service account and KEY one of its API keys.',
  security: [{ clientBasic: [] }],
  request: { body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: IntrospectionRequest } } } },
  responses: {
    200: { description: 'What the token is: `{"active": false}` for any token that is not valid.', headers: CACHE_CONTROL_HEADER, content: { 'application/json': { schema: Introspection } } },
    400: { description: 'No token parameter.', content: { 'application/json': { schema: OAuthError } } },
    401: { description: 'invalid_client: missing or wrong service account credentials. `WWW-Authenticate: Basic`.', content: { 'application/json': { schema: OAuthError } } },
  },
});

export function introspectRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  addRoute(app, contract, async (c) => {
    const form = await readForm(c);
    const credentials = clientCredentials(c, form.ok ? form.value : {});
    if (!credentials.ok) return invalidClient(c, credentials.error);
    if (credentials.value === undefined) return invalidClient(c, 'Introspection needs a service account\'s credentials (HTTP Basic).');
    const client = await authenticateServiceAccount(await deps.directory.current(), credentials.value.clientId, credentials.value.secret, deps.now(), deps.verifiedKeys);
    if (client === undefined) return invalidClient(c, 'The service account or its API key is wrong.');
    c.set('principal', client.subject);

    if (!form.ok) return oauthError(c, 400, 'invalid_request', form.error);
    const token = form.value.token;
    if (token === undefined) return oauthError(c, 400, 'invalid_request', 'the token parameter is missing');
    const found = await identify(deps, token);
    if (!found.ok) {
      c.set('refusal', found.error);
      return c.json({ active: false }, 200, { 'Cache-Control': 'no-store' });
    }
    const { principal, token: verified } = found.value;
    return c.json(
      {
        active: true,
        sub: principal.subject,
        username: principal.name,
        ...(principal.displayName === undefined ? {} : { name: principal.displayName }),
        ...(principal.email === undefined ? {} : { email: principal.email }),
        groups: principal.groups,
        ...(verified.scope === undefined ? {} : { scope: verified.scope }),
        exp: verified.exp,
        iat: verified.iat,
        iss: verified.iss,
        aud: AUDIENCE,
        jti: verified.jti,
        token_type: 'Bearer',
      },
      200,
      { 'Cache-Control': cacheControlFor(found.value) },
    );
  });
}
