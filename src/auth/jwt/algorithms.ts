/**
 * The JWS algorithms `--auth-algorithms` may name: the asymmetric ones jose 6 verifies on Node 20. ML-DSA
 * (also in jose 6) needs a WebCrypto Node 20 lacks, so it is not offered.
 */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

/**
 * HMAC needs a shared secret, which a provider's published key set never carries: jose's key set refuses
 * any member that is not a public key. Naming one is refused at startup rather than accepted and never
 * matched, and a token claiming one is refused with "algorithm not allowed" (the public-key-as-HMAC-secret
 * confusion has nothing to work with).
 */
export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;

/** The algorithm as jose spells it (`es256` → `ES256`), or undefined when it is not an asymmetric one Formgate offers. */
export function canonicalAlgorithm(name: string): string | undefined {
  const lower = name.toLowerCase();
  return ASYMMETRIC_ALGORITHMS.find((a) => a.toLowerCase() === lower);
}

export function isHmacAlgorithm(name: string): boolean {
  return HMAC_ALGORITHMS.some((a) => a.toLowerCase() === name.toLowerCase());
}
