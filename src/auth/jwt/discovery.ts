import { fetchJson, type FetchJsonOptions } from './fetch-json.ts';

/**
 * The provider's key set address from its discovery document (OpenID Connect Discovery 1.0, §4), for
 * `--auth-issuer` without `--auth-jwks-url`.
 */

export type Discovered = { readonly ok: true; readonly jwksUrl: string } | { readonly ok: false; readonly reason: string };

/** Where the document is: `/.well-known/openid-configuration` appended to the issuer less a trailing slash (§4.1). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

export async function discoverJwksUrl(issuer: string, options: FetchJsonOptions): Promise<Discovered> {
  const fetched = await fetchJson(discoveryUrl(issuer), options);
  if (!fetched.ok) return { ok: false, reason: `its discovery document: ${fetched.reason}` };
  const document = fetched.body;
  if (typeof document !== 'object' || document === null) return { ok: false, reason: 'its discovery document is not a JSON object' };
  const { issuer: named, jwks_uri: jwksUri } = document as Record<string, unknown>;
  // §4.3: a document naming another issuer is not this issuer's, and its tokens' `iss` would not match anyway.
  if (named !== issuer) {
    const shown = typeof named === 'string' ? JSON.stringify(named.slice(0, 200)) : 'no issuer';
    return { ok: false, reason: `its discovery document names ${shown}, not the configured issuer ${JSON.stringify(issuer)} (OpenID Connect Discovery §4.3): set --auth-issuer to exactly the issuer its tokens carry` };
  }
  if (typeof jwksUri !== 'string' || !isHttpUrl(jwksUri)) return { ok: false, reason: 'its discovery document has no http(s) "jwks_uri"' };
  return { ok: true, jwksUrl: jwksUri };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
