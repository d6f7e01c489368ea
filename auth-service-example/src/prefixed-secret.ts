import { randomBytes } from 'node:crypto';

/**
 * Secrets shaped `<prefix><id>_<secret>`: the prefix lets secret scanners and people recognise a leaked
 * one and what it is; the id (8 hex digits) names which stored hash to check, so a secret is verified
 * against one hash rather than all of them; the secret is 32 random bytes in base64url.
 */
const ID_HEX = 8;
const SECRET_BYTES = 32;

export interface PrefixedSecrets {
  /** A new secret and its id; the secret is shown once, never stored. */
  generate(): { readonly id: string; readonly secret: string };
  /** The id something shaped like one of these secrets claims, else undefined. */
  idOf(secret: string): string | undefined;
}

export function prefixedSecrets(prefix: string): PrefixedSecrets {
  const shape = new RegExp(`^${prefix}([0-9a-f]{${ID_HEX}})_[A-Za-z0-9_-]{43}$`);
  return {
    generate() {
      const id = randomBytes(ID_HEX / 2).toString('hex');
      return { id, secret: `${prefix}${id}_${randomBytes(SECRET_BYTES).toString('base64url')}` };
    },
    idOf: (secret) => shape.exec(secret)?.[1],
  };
}
