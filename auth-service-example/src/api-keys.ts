import { randomBytes } from 'node:crypto';

/**
 * Service-account API keys: `fgsa_<id>_<secret>`. The prefix lets secret scanners and people recognise
 * a leaked key; the id (8 hex digits) names which stored hash to check, so a key is verified against
 * one hash rather than all of them; the secret is 32 random bytes in base64url.
 */

export const API_KEY_PREFIX = 'fgsa_';
const KEY_ID_HEX = 8;
const SECRET_BYTES = 32;
const API_KEY = new RegExp(`^${API_KEY_PREFIX}([0-9a-f]{${KEY_ID_HEX}})_[A-Za-z0-9_-]{43}$`);

export interface NewApiKey {
  readonly id: string;
  /** The plain key: shown once to the person who asked for it, never stored. */
  readonly key: string;
}

export function generateApiKey(): NewApiKey {
  const id = randomBytes(KEY_ID_HEX / 2).toString('hex');
  return { id, key: `${API_KEY_PREFIX}${id}_${randomBytes(SECRET_BYTES).toString('base64url')}` };
}

/** The id a key claims to have, or undefined for anything that is not shaped like a key. */
export function apiKeyId(key: string): string | undefined {
  return API_KEY.exec(key)?.[1];
}
