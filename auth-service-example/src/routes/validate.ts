import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { readJson } from '../http/body.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { oauthError } from '../http/errors.ts';
import { addRoute } from '../http/route.ts';
import { CACHE_CONTROL_HEADER, OAuthError } from '../http/schemas.ts';
import { cacheControlFor, expiresAtOf, identify } from '../identify.ts';

/** Formgate's own protocol (openapi/auth-service.yaml in the Formgate repository): `{"token"}` in, UserInfo out. */

const ValidationRequest = z.object({ token: z.string().min(1) }).openapi('ValidationRequest');

const UserInfo = z
  .object({
    userId: z.string().min(1).openapi({ description: 'The user name, or `service-account:NAME`.', example: 'alice' }),
    name: z.string().optional().openapi({ example: 'Alice Example' }),
    email: z.string().optional().openapi({ example: 'alice@example.com' }),
    groups: z.array(z.string()).openapi({ example: ['staff', 'finance'] }),
    scopes: z.array(z.string()).optional(),
    ttl: z.int().min(0).openapi({ description: 'Seconds this answer may be kept: the token\'s time left, at most 300.', example: 300 }),
    expiresAt: z.string().openapi({ description: 'When the token expires (RFC 3339).', example: '2026-11-24T08:15:00Z' }),
  })
  .openapi('UserInfo');

const contract = createRoute({
  method: 'post',
  path: '/validate',
  tags: ['validation'],
  summary: 'Who holds this token? (Formgate protocol)',
  description: 'Point Formgate at it with `--auth-url http://HOST:PORT/validate` (the default protocol, `formgate`).',
  request: { body: { required: true, content: { 'application/json': { schema: ValidationRequest } } } },
  responses: {
    200: { description: 'The token is valid; this is who holds it.', headers: CACHE_CONTROL_HEADER, content: { 'application/json': { schema: UserInfo } } },
    400: { description: 'The body is not `{"token": "…"}`.', content: { 'application/json': { schema: OAuthError } } },
    401: { description: 'The token is not valid: expired, tampered with, not signed by this service, or its holder is gone.', content: { 'application/json': { schema: OAuthError } } },
  },
});

export function validateRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  addRoute(app, contract, async (c) => {
    const body = await readJson(c);
    if (!body.ok) return oauthError(c, 400, 'invalid_request', body.error);
    const request = ValidationRequest.safeParse(body.value);
    if (!request.success) return oauthError(c, 400, 'invalid_request', 'the body must be {"token": "<a non-empty string>"}');
    const found = await identify(deps, request.data.token);
    if (!found.ok) {
      c.set('refusal', found.error);
      return oauthError(c, 401, 'invalid_token', `The token is not valid (${found.error}).`);
    }
    const { principal, token, ttlS } = found.value;
    c.set('principal', principal.subject);
    return c.json(
      {
        userId: principal.subject,
        ...(principal.displayName === undefined ? {} : { name: principal.displayName }),
        ...(principal.email === undefined ? {} : { email: principal.email }),
        groups: principal.groups,
        ...(token.scope === undefined ? {} : { scopes: token.scope.split(' ') }),
        ttl: ttlS,
        expiresAt: expiresAtOf(token),
      },
      200,
      { 'Cache-Control': cacheControlFor(found.value) },
    );
  });
}
