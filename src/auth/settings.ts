import type { AuthProtocol } from './protocols/protocol.ts';

/** What the identity client is built from; `config/` fills it from the flags. */

export interface AuthCacheConfig {
  /** Maximum entries; 0 disables the cache. */
  readonly size: number;
  readonly maxTtlS: number;
  readonly defaultTtlS: number;
  readonly negativeTtlS: number;
  readonly staleIfErrorS: number;
}

export interface AuthConfig {
  /** The identity-service endpoint; absent when every domain is `none`. */
  readonly url?: string;
  readonly protocol: AuthProtocol;
  /** Checked by `/health`; `null` = not checked (`none`, or no auth-url). */
  readonly healthUrl: string | null;
  readonly timeoutMs: number;
  /** Calls to the identity service in flight at once; more wait up to `timeoutMs` for a slot, then get 503. */
  readonly maxCalls: number;
  readonly cache: AuthCacheConfig;
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly groupsClaim: string;
}
