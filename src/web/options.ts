import type { ApiFetch } from './api-client.ts';
import type { SealKeys } from './seal.ts';

/** OpenID Connect sign-in at one provider, as a confidential client. */
export interface SignInOptions {
  /** The issuer URL; its discovery document names the endpoints. */
  readonly issuer: string;
  readonly clientId: string;
  /** Read when used, so a secret rotated in its file needs no restart. */
  readonly clientSecret: () => Promise<string>;
  /** Told when the provider refuses the client's credentials (`invalid_client`): a setup problem for the operator. */
  readonly onClientRefused?: () => void;
  /** Told (at most once a minute) when `clientSecret` could not be read: sign-in says "try again" meanwhile. */
  readonly onSecretUnreadable?: (reason: string) => void;
  /** After a failed discovery, how long sign-in says "try again" before asking the provider again (default 5 s). */
  readonly retryAfterS?: number;
}

/** Everything the web client is given; it reads no flag, file or database of its own. */
export interface WebOptions {
  /** The API, reached only over its HTTP contract. */
  readonly api: ApiFetch;
  /** Where people reach the web client: the redirect URI's base, and `Secure` cookies when https. */
  readonly publicUrl: string;
  /** Without it there is no sign-in: every visitor is anonymous. */
  readonly signIn: SignInOptions | null;
  /** `--ui-forms`: the only forms offered here; absent or `null`, every form of the API. */
  readonly forms?: readonly string[] | null;
  /** 32-byte keys sealing the session cookie: the first seals, all open. */
  readonly sessionKeys: SealKeys;
}
