import { hkdfSync, randomBytes } from 'node:crypto';
import type { SealKeys } from './seal.ts';

/**
 * Keys from the operator's session secrets: each secret gives one 32-byte key (HKDF-SHA-256), in the order
 * given, so the first seals and every one opens. Each use (session, CSRF, the pages' own cookies) gets keys
 * of its own from those, so a value made for one can never be taken for another.
 */

const SALT = 'formgate web client';

export function keysFromSecrets(secrets: readonly string[]): SealKeys {
  return secrets.map((secret) => new Uint8Array(hkdfSync('sha256', secret, SALT, 'session secret v1', 32)));
}

/** Without a configured secret: one key for this process alone (cookies it sealed end with it). */
export function processKeys(): SealKeys {
  return [new Uint8Array(randomBytes(32))];
}

export type KeyUse = 'session' | 'csrf' | 'pages';

export function keysFor(use: KeyUse, keys: SealKeys): SealKeys {
  return keys.map((key) => new Uint8Array(hkdfSync('sha256', key, SALT, `use:${use}`, 32)));
}
