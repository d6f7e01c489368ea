import { CompactEncrypt, compactDecrypt } from 'jose';

/**
 * Sealed cookie values: a JWE (dir, A256GCM) with an expiry inside, so keys rotate: the first key seals,
 * every key opens. Keys are 32 bytes, derived from the configured
 * secrets by the caller.
 */
export type SealKeys = readonly Uint8Array[];

const ALG = 'dir';
const ENC = 'A256GCM';

export async function seal(payload: unknown, keys: SealKeys, maxAgeS: number): Promise<string> {
  const key = keys[0];
  if (key === undefined) throw new Error('no key to seal with');
  const body = { v: payload, exp: Math.floor(Date.now() / 1000) + maxAgeS };
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(body))).setProtectedHeader({ alg: ALG, enc: ENC }).encrypt(key);
}

/** The payload, or `undefined` for a value no key opens, one past its age, or anything malformed. */
export async function unseal(sealed: string, keys: SealKeys): Promise<unknown> {
  // Tried in order: a value sealed before a rotation opens with a key further down the list.
  for (const key of keys) {
    try {
      const { plaintext } = await compactDecrypt(sealed, key, { keyManagementAlgorithms: [ALG], contentEncryptionAlgorithms: [ENC] });
      const body = JSON.parse(new TextDecoder().decode(plaintext)) as { v?: unknown; exp?: unknown };
      if (typeof body.exp !== 'number' || body.exp < Date.now() / 1000) return undefined;
      return body.v;
    } catch {
      continue;
    }
  }
  return undefined;
}
