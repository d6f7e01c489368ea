import { randomBytes } from 'node:crypto';

/**
 * OpenID Connect client secrets: `fgcs_<id>_<secret>`, shaped like service-account API keys (api-keys.ts)
 * with a prefix of their own, so a leaked one says what it is. The id names the stored hash to check.
 */

export const CLIENT_SECRET_PREFIX = 'fgcs_';
const ID_HEX = 8;
const SECRET_BYTES = 32;
const CLIENT_SECRET = new RegExp(`^${CLIENT_SECRET_PREFIX}([0-9a-f]{${ID_HEX}})_[A-Za-z0-9_-]{43}$`);

export interface NewClientSecret {
  readonly id: string;
  /** The plain secret: shown once, never stored. */
  readonly secret: string;
}

export function generateClientSecret(): NewClientSecret {
  const id = randomBytes(ID_HEX / 2).toString('hex');
  return { id, secret: `${CLIENT_SECRET_PREFIX}${id}_${randomBytes(SECRET_BYTES).toString('base64url')}` };
}

/** The id part of something shaped like a client secret, else undefined. */
export function clientSecretId(secret: string): string | undefined {
  return CLIENT_SECRET.exec(secret)?.[1];
}
