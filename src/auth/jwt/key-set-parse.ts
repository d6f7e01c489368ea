import { importJWK, type JSONWebKeySet, type JWK } from 'jose';

/**
 * A fetched key set's body, read into the keys tokens can be checked with. A key that cannot be used (an
 * encryption key, a symmetric or private one, one jose cannot import) is skipped and reported, not fatal:
 * providers publish such keys beside their signing keys. A set left with no usable key is a failure, so
 * the caller keeps the keys it had.
 */

/** Providers publish a handful; more than this is not a key set, and each key costs an import. */
export const MAX_KEYS = 100;

export interface SkippedKey {
  readonly kid?: string;
  readonly reason: string;
}

export type ParsedKeySet =
  | { readonly ok: true; readonly jwks: JSONWebKeySet; readonly kids: ReadonlySet<string>; readonly skipped: readonly SkippedKey[] }
  | { readonly ok: false; readonly reason: string; readonly skipped: readonly SkippedKey[] };

/** The algorithms a key set's key may be used with, as jose names them; HMAC has no place in a public set. */
const SIGNING_ALGS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87']);

/** For a key without `alg`: one algorithm its type fits, only to see that it imports (jose picks per token). */
const IMPORT_AS: Record<string, string | undefined> = { RSA: 'RS256', 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512', Ed25519: 'EdDSA' };

export async function parseKeySet(body: unknown): Promise<ParsedKeySet> {
  const keys = isObject(body) ? body.keys : undefined;
  if (!Array.isArray(keys)) return { ok: false, reason: 'a body without a "keys" array', skipped: [] };
  if (keys.length > MAX_KEYS) return { ok: false, reason: `${keys.length} keys, more than the ${MAX_KEYS} a key set may hold`, skipped: [] };
  const usable: JWK[] = [];
  const skipped: SkippedKey[] = [];
  for (const key of keys) {
    const problem = isObject(key) ? await unusable(key as JWK) : 'not a JSON object';
    if (problem === undefined) usable.push(key as JWK);
    else skipped.push({ ...(isObject(key) && typeof key.kid === 'string' ? { kid: key.kid.slice(0, 100) } : {}), reason: problem });
  }
  if (usable.length === 0) {
    const reason = keys.length === 0 ? 'an empty key set' : `none of its ${keys.length} keys can check a signature`;
    return { ok: false, reason, skipped };
  }
  const kids = new Set(usable.map((k) => k.kid).filter((kid): kid is string => typeof kid === 'string'));
  return { ok: true, jwks: { keys: usable }, kids, skipped };
}

/** Why the key cannot check a token's signature; undefined when it can. */
async function unusable(key: JWK): Promise<string | undefined> {
  if (typeof key.kty !== 'string') return 'no "kty"';
  if (key.use !== undefined && key.use !== 'sig') return `"use" is ${JSON.stringify(key.use).slice(0, 40)}, not "sig"`;
  if (key.key_ops !== undefined && !(Array.isArray(key.key_ops) && key.key_ops.includes('verify'))) return '"key_ops" without "verify"';
  if (key.kty === 'oct') return 'a symmetric key (a key set publishes public keys only)';
  if (key.d !== undefined) return 'a private key (the provider should not publish it)';
  if (key.alg !== undefined && !SIGNING_ALGS.has(key.alg)) return `"alg" ${JSON.stringify(key.alg).slice(0, 40)} is not a signing algorithm Formgate knows`;
  const alg = key.alg ?? IMPORT_AS[key.kty === 'RSA' ? 'RSA' : (key.crv ?? '')];
  if (alg === undefined) return `a ${key.kty.slice(0, 20)} key without "alg" whose algorithm cannot be told`;
  try {
    const imported = await importJWK(key, alg);
    if (imported instanceof Uint8Array || imported.type !== 'public') return 'not a public key';
  } catch (e) {
    // jose's message says which member is wrong; it quotes no key material.
    return `jose cannot import it (${e instanceof Error ? e.message.slice(0, 120) : 'unknown error'})`;
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
