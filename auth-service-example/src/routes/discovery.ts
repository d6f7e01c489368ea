import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { addRoute } from '../http/route.ts';

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
    token_endpoint: z.string(),
    jwks_uri: z.string(),
    userinfo_endpoint: z.string(),
    introspection_endpoint: z.string(),
    grant_types_supported: z.array(z.string()),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    introspection_endpoint_auth_methods_supported: z.array(z.string()),
  })
  .openapi('DiscoveryMetadata');

const discoveryContract = createRoute({
  method: 'get',
  path: '/.well-known/openid-configuration',
  tags: ['keys'],
  summary: 'Where the endpoints are',
  description: 'OpenID-style discovery metadata for the endpoints this service has. It issues access tokens only (no ID tokens).',
  responses: { 200: { description: 'The metadata, with URLs under the configured issuer.', content: { 'application/json': { schema: Metadata } } } },
});

export function discoveryRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  // The key is fixed for the life of the process, so clients may keep it a while.
  addRoute(app, jwksContract, (c) => c.json({ keys: [deps.key.publicJwk] }, 200, { 'Cache-Control': 'public, max-age=300' }));

  const base = deps.issuer.replace(/\/+$/, '');
  const metadata = {
    issuer: deps.issuer,
    token_endpoint: `${base}/token`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    userinfo_endpoint: `${base}/userinfo`,
    introspection_endpoint: `${base}/introspect`,
    grant_types_supported: ['password', 'client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
  };
  addRoute(app, discoveryContract, (c) => c.json(metadata, 200, { 'Cache-Control': 'public, max-age=300' }));
}
