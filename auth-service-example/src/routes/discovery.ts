import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { addRoute } from '../http/route.ts';
import { SIGNING_ALGORITHM } from '../keys.ts';
import { OIDC_SCOPES } from '../oidc/scopes.ts';

/** Where clients find the public key and the endpoints: the JWKS (RFC 7517) and OIDC-style discovery metadata. */

const Jwk = z
  .object({
    kty: z.literal('OKP'),
    crv: z.literal('Ed25519'),
    x: z.string(),
    kid: z.string().openapi({ description: 'The RFC 7638 thumbprint of the key; tokens name it in their `kid` header.' }),
    alg: z.literal('EdDSA'),
    use: z.literal('sig'),
  })
  .openapi('Jwk');

const jwksContract = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  tags: ['keys'],
  summary: 'The public key tokens are signed with',
  responses: { 200: { description: 'A JWK Set with the one signing key.', content: { 'application/json': { schema: z.object({ keys: z.array(Jwk) }).openapi('Jwks') } } } },
});

const Metadata = z
  .object({
    issuer: z.string(),
    authorization_endpoint: z.string(),
    token_endpoint: z.string(),
    end_session_endpoint: z.string(),
    jwks_uri: z.string(),
    userinfo_endpoint: z.string(),
    introspection_endpoint: z.string(),
    response_types_supported: z.array(z.string()),
    response_modes_supported: z.array(z.string()),
    grant_types_supported: z.array(z.string()),
    code_challenge_methods_supported: z.array(z.string()),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    introspection_endpoint_auth_methods_supported: z.array(z.string()),
    id_token_signing_alg_values_supported: z.array(z.string()),
    subject_types_supported: z.array(z.string()),
    scopes_supported: z.array(z.string()),
    claims_supported: z.array(z.string()),
    authorization_response_iss_parameter_supported: z.boolean(),
  })
  .openapi('DiscoveryMetadata');

const discoveryContract = createRoute({
  method: 'get',
  path: '/.well-known/openid-configuration',
  tags: ['keys'],
  summary: 'Where the endpoints are',
  description: 'OpenID Connect Discovery 1.0 metadata (and RFC 8414\'s fields) for the endpoints this service has.',
  responses: { 200: { description: 'The metadata, with URLs under the configured issuer.', content: { 'application/json': { schema: Metadata } } } },
});

export function discoveryRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  // The key is fixed for the life of the process, so clients may keep it a while.
  addRoute(app, jwksContract, (c) => c.json({ keys: [deps.key.publicJwk] }, 200, { 'Cache-Control': 'public, max-age=300' }));

  const base = deps.issuer.replace(/\/+$/, '');
  const metadata = {
    issuer: deps.issuer,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    end_session_endpoint: `${base}/logout`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    userinfo_endpoint: `${base}/userinfo`,
    introspection_endpoint: `${base}/introspect`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'password', 'client_credentials'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    id_token_signing_alg_values_supported: [SIGNING_ALGORITHM],
    subject_types_supported: ['public'],
    scopes_supported: [...OIDC_SCOPES],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'sid', 'name', 'preferred_username', 'email', 'groups'],
    // The redirect after login carries `iss` (RFC 9207), so a client talking to several providers cannot mix them up.
    authorization_response_iss_parameter_supported: true,
  };
  addRoute(app, discoveryContract, (c) => c.json(metadata, 200, { 'Cache-Control': 'public, max-age=300' }));
}
