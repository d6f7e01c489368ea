import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { authenticateServiceAccount, authenticateUser } from '../credentials.ts';
import { readForm } from '../http/body.ts';
import { clientCredentials, invalidClient } from '../http/client-auth.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { oauthError } from '../http/errors.ts';
import { addRoute } from '../http/route.ts';
import { OAuthError } from '../http/schemas.ts';
import type { Principal } from '../principals.ts';
import { err, ok, type Result } from '../result.ts';
import type { OidcState } from '../oidc/state.ts';
import { issueAccessToken } from '../tokens.ts';
import { authorizationCodeGrant, refreshTokenGrant } from './token-oidc.ts';

/**
 * The OAuth 2.0 token endpoint (RFC 6749 §3.2): the password grant for people, the client credentials
 * grant for service accounts, and for OpenID Connect clients the authorization code and refresh token
 * grants (token-oidc.ts). All answer a short-lived JWT access token.
 */

const TokenRequest = z
  .object({
    grant_type: z.enum(['password', 'client_credentials', 'authorization_code', 'refresh_token']),
    username: z.string().optional().openapi({ description: 'password grant: the user name' }),
    password: z.string().optional().openapi({ description: 'password grant: the password' }),
    client_id: z.string().optional().openapi({ description: 'without HTTP Basic: the service account name (client_credentials) or the client\'s name (authorization_code, refresh_token)' }),
    client_secret: z.string().optional().openapi({ description: 'without HTTP Basic: one of its API keys, or one of the client\'s secrets' }),
    code: z.string().optional().openapi({ description: 'authorization_code grant: the code from the redirect' }),
    redirect_uri: z.string().optional().openapi({ description: 'authorization_code grant: exactly the redirect_uri of the authorization request' }),
    code_verifier: z.string().optional().openapi({ description: 'authorization_code grant: the PKCE verifier of the request\'s S256 code_challenge' }),
    refresh_token: z.string().optional().openapi({ description: 'refresh_token grant: the latest refresh token of the sign-in (each is good for one use)' }),
    scope: z.string().optional().openapi({ description: 'space-separated scopes; by default every scope the directory allows the principal' }),
  })
  .openapi('TokenRequest');

const TokenResponse = z
  .object({
    access_token: z.string().openapi({ description: 'A JWT signed with EdDSA; its `kid` is in /.well-known/jwks.json.' }),
    token_type: z.literal('Bearer'),
    expires_in: z.int().openapi({ description: 'Seconds until the token expires.', example: 900 }),
    scope: z.string().optional(),
    refresh_token: z.string().optional().openapi({ description: 'authorization_code and refresh_token grants: the next refresh token (the one sent is spent).' }),
    id_token: z.string().optional().openapi({ description: 'authorization_code and refresh_token grants: the OpenID Connect ID token, for the client as audience.' }),
  })
  .openapi('TokenResponse');

const contract = createRoute({
  method: 'post',
  path: '/token',
  tags: ['tokens'],
  summary: 'Issue an access token',
  description:
    'grant_type=password with username and password, or grant_type=client_credentials with a service account as the client ' +
    '(HTTP Basic, or client_id and client_secret in the body). An unknown user and a wrong password get the same answer. ' +
    'OpenID Connect clients (the directory\'s `clients`, authenticated the same two ways with one of their secrets) use ' +
    'grant_type=authorization_code (code, redirect_uri, code_verifier; a code works once, for 60 s, and a second use revokes the ' +
    'refresh tokens issued from it) and grant_type=refresh_token (rotated: a spent refresh token presented again revokes its sign-in).',
  security: [{}, { clientBasic: [] }],
  request: { body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: TokenRequest } } } },
  responses: {
    200: { description: 'The token. Never cached (`Cache-Control: no-store`).', content: { 'application/json': { schema: TokenResponse } } },
    400: { description: 'invalid_request, invalid_grant, invalid_scope or unsupported_grant_type.', content: { 'application/json': { schema: OAuthError } } },
    401: { description: 'invalid_client: the service account or its API key, or the client or its secret, is wrong. `WWW-Authenticate: Basic`.', content: { 'application/json': { schema: OAuthError } } },
  },
});

export function tokenRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps, oidc: OidcState): void {
  addRoute(app, contract, async (c) => {
    const form = await readForm(c);
    if (!form.ok) return oauthError(c, 400, 'invalid_request', form.error);
    const grant = form.value.grant_type;
    if (grant === 'password') return passwordGrant(c, deps, form.value);
    if (grant === 'client_credentials') return clientCredentialsGrant(c, deps, form.value);
    if (grant === 'authorization_code') return authorizationCodeGrant(c, deps, oidc, form.value);
    if (grant === 'refresh_token') return refreshTokenGrant(c, deps, oidc, form.value);
    if (grant === undefined) return oauthError(c, 400, 'invalid_request', 'grant_type is missing');
    return oauthError(c, 400, 'unsupported_grant_type', 'this service issues tokens for grant_type password, client_credentials, authorization_code and refresh_token');
  });
}

// The password grant has no registered clients here: client credentials sent with it are not checked.
async function passwordGrant(c: Context<AppEnv>, deps: AppDeps, form: Record<string, string>): Promise<Response> {
  const { username, password } = form;
  if (username === undefined || password === undefined) return oauthError(c, 400, 'invalid_request', 'the password grant needs username and password');
  const principal = await authenticateUser(await deps.directory.current(), username, password);
  if (principal === undefined) {
    c.set('refusal', 'wrong user name or password');
    return oauthError(c, 400, 'invalid_grant', 'The user name or password is wrong.');
  }
  return issue(c, deps, principal, form.scope);
}

async function clientCredentialsGrant(c: Context<AppEnv>, deps: AppDeps, form: Record<string, string>): Promise<Response> {
  const credentials = clientCredentials(c, form);
  if (!credentials.ok) return invalidClient(c, credentials.error);
  if (credentials.value === undefined) return invalidClient(c, 'the client_credentials grant needs a service account: HTTP Basic, or client_id and client_secret');
  const { clientId, secret } = credentials.value;
  const principal = await authenticateServiceAccount(await deps.directory.current(), clientId, secret, deps.now(), deps.verifiedKeys);
  if (principal === undefined) return invalidClient(c, 'The service account or its API key is wrong.');
  return issue(c, deps, principal, form.scope);
}

async function issue(c: Context<AppEnv>, deps: AppDeps, principal: Principal, requested: string | undefined): Promise<Response> {
  c.set('principal', principal.subject);
  const scopes = grantedScopes(principal, requested);
  if (!scopes.ok) return oauthError(c, 400, 'invalid_scope', scopes.error);
  const issued = await issueAccessToken({ key: deps.key, issuer: deps.issuer, ttlS: deps.tokenTtlS }, principal, scopes.value, deps.now());
  return c.json(
    { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresInS, ...(issued.scope === undefined ? {} : { scope: issued.scope }) },
    200,
    { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
  );
}

/** The scopes asked for, if the principal may have them all; without a request, all it may have. */
function grantedScopes(principal: Principal, requested: string | undefined): Result<readonly string[], string> {
  if (requested === undefined) return ok(principal.scopes);
  const asked = [...new Set(requested.split(' ').filter((s) => s !== ''))];
  const refused = asked.filter((s) => !principal.scopes.includes(s));
  if (refused.length > 0) return err(`not granted to this ${principal.kind === 'user' ? 'user' : 'service account'}: ${refused.join(' ').slice(0, 200)}`);
  return ok(asked);
}
