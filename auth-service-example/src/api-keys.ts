import { prefixedSecrets } from './prefixed-secret.ts';

/** Service-account API keys: `fgsa_<id>_<secret>` (prefixed-secret.ts says why the shape). */
export const API_KEY_PREFIX = 'fgsa_';
const keys = prefixedSecrets(API_KEY_PREFIX);

export interface NewApiKey {
  readonly id: string;
  /** The plain key: shown once to the person who asked for it, never stored. */
  readonly key: string;
}

export function generateApiKey(): NewApiKey {
  const { id, secret } = keys.generate();
  return { id, key: secret };
}

/** The id a key claims to have, or undefined for anything that is not shaped like a key. */
export const apiKeyId = (key: string): string | undefined => keys.idOf(key);
