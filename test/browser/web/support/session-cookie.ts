import { compactDecrypt } from 'jose';

/**
 * Opens the web client's session cookie with the secret the test gave `--ui-session-secret-file`, the way
 * the web client derives its key from it, to learn which tokens the session held. Nothing here seals.
 */

// TODO(lead): the derivation must match src/web's; see sessionKey below.
/** The 32-byte key the web client seals its session with, from one configured secret. */
export async function sessionKey(secret: string): Promise<Uint8Array> {
  // Placeholder until web-core's derivation is readable: SHA-256 of the secret's UTF-8 bytes.
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(secret));
  return new Uint8Array(digest);
}

/** The cookie's plaintext as JSON, or `undefined` when the key does not open it (another cookie, or another key). */
export async function openCookie(value: string, key: Uint8Array): Promise<unknown> {
  // A JWE in compact form has five parts; anything else is not a sealed value.
  if (value.split('.').length !== 5) return undefined;
  try {
    const { plaintext } = await compactDecrypt(decodeURIComponent(value), key);
    return JSON.parse(new TextDecoder().decode(plaintext)) as unknown;
  } catch {
    return undefined;
  }
}

const JWT = /^eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * The tokens a session payload holds: every JWT anywhere in it (access and ID tokens), and every string
 * kept under a key naming a token (the opaque refresh token), whatever the payload's shape.
 */
export function tokensIn(payload: unknown, key = ''): string[] {
  if (typeof payload === 'string') {
    if (JWT.test(payload)) return [payload];
    return /token/i.test(key) && !/csrf|type|expir/i.test(key) && payload.length >= 20 ? [payload] : [];
  }
  if (Array.isArray(payload)) return payload.flatMap((item) => tokensIn(item, key));
  if (payload !== null && typeof payload === 'object') return Object.entries(payload).flatMap(([k, v]) => tokensIn(v, k));
  return [];
}

export const isJwt = (value: string) => JWT.test(value);
