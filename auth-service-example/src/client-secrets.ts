import { prefixedSecrets } from './prefixed-secret.ts';

/** OpenID Connect client secrets: `fgcs_<id>_<secret>`, shaped like API keys with a prefix of their own. */
export const CLIENT_SECRET_PREFIX = 'fgcs_';
const secrets = prefixedSecrets(CLIENT_SECRET_PREFIX);

export interface NewClientSecret {
  readonly id: string;
  /** The plain secret: shown once, never stored. */
  readonly secret: string;
}

export const generateClientSecret = (): NewClientSecret => secrets.generate();

/** The id part of something shaped like a client secret, else undefined. */
export const clientSecretId = (secret: string): string | undefined => secrets.idOf(secret);
