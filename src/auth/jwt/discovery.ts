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
  if (typeof jwksUri !== 'string') return { ok: false, reason: 'its discovery document has no "jwks_uri"' };
  const problem = jwksUriProblem(jwksUri);
  if (problem !== undefined) return { ok: false, reason: `its discovery document's "jwks_uri" ${problem}` };
  return { ok: true, jwksUrl: jwksUri };
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * The same rule `--auth-jwks-url` is held to: keys fetched in clear from another machine can be swapped on
 * the way, and whoever swaps them signs tokens Formgate accepts. Never quotes the value (it may hold a password).
 */
function jwksUriProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'is not an http(s) URL';
  if (url.username !== '' || url.password !== '') return 'carries a user name or password';
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) return 'is plain http to another machine; only https is used (plain http only on a loopback address)';
  return undefined;
}
