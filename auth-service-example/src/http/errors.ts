import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * The two error shapes of this service: OAuth's `{error, error_description}` (RFC 6749 §5.2, RFC 6750
 * §3, RFC 7662) on the token and validation endpoints, and RFC 9457 problem details for everything
 * else (unknown routes, bodies too large, failures). Neither ever echoes a credential.
 */

export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type' | 'invalid_scope' | 'invalid_token';

export function oauthError(c: Context, status: ContentfulStatusCode, error: OAuthErrorCode, description: string, headers: Record<string, string> = {}): Response {
  // Token responses must not be cached (RFC 6749 §5.1), and neither may the refusals next to them.
  return c.json({ error, error_description: description }, status, { 'Cache-Control': 'no-store', ...headers });
}

export function problem(status: ContentfulStatusCode, title: string, detail: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ type: 'about:blank', title, status, detail }), {
    status,
    headers: { ...headers, 'Content-Type': 'application/problem+json' },
  });
}
