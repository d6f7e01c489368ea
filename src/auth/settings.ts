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

/** `--auth-protocol jwt`: tokens checked here against the provider's published keys, with no call per token. */
export interface JwtConfig {
  /** `--auth-issuer`: the `iss` every token must carry, and where discovery finds `jwks_uri` when `jwksUrl` is unset. */
  readonly issuer: string;
  /** `--auth-jwks-url`: the key set itself, skipping discovery. */
  readonly jwksUrl?: string;
  /** `--auth-audience` (comma-separated): a token's `aud` must name one of them. */
  readonly audiences: readonly string[];
  /** `--auth-algorithms`: the `alg` values accepted; by default the asymmetric ones. */
  readonly algorithms: readonly string[];
  /** `--auth-clock-tolerance`: seconds of clock skew allowed on `exp` and `nbf`. */
  readonly clockToleranceS: number;
  /** `--auth-jwks-stale`: how long a key set is still used while its provider cannot be reached, in seconds. */
  readonly keySetStaleS: number;
  /** `--auth-jwks-cooldown`: at most one fetch per this many seconds for a token naming an unknown `kid`. */
  readonly keySetCooldownS: number;
  /**
   * `--auth-max-token-lifetime`: a token valid longer than this from its `iat` (or from now, without one) is
   * refused, so that a user's revocation, kept this long, outlives every token issued before it.
   */
  readonly maxTokenLifetimeS: number;
}

export interface AuthConfig {
  /** The identity-service endpoint of the HTTP protocols; absent for `jwt` and when every domain is `none`. */
  readonly url?: string;
  readonly protocol: AuthProtocol;
  /** Present exactly when `protocol` is `jwt`. */
  readonly jwt?: JwtConfig;
  /** Checked by `/health`; `null` = not checked (`none`, or no auth-url). */
  readonly healthUrl: string | null;
  /** Each call to the identity service (for `jwt`: each fetch of the discovery document or the key set). */
  readonly timeoutMs: number;
  /** Calls to the identity service in flight at once; more wait up to `timeoutMs` for a slot, then get 503. */
  readonly maxCalls: number;
  readonly cache: AuthCacheConfig;
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly groupsClaim: string;
}
