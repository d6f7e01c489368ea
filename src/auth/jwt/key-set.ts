import type { JWTVerifyGetKey } from 'jose';
import type { Logger } from 'pino';
import type { HealthCheck } from '../../health/check.ts';

/**
 * The provider's signing keys, kept for `--auth-protocol jwt` (STUB: the interface the verifier codes
 * against; the key-set work replaces the body).
 *
 * Its life: fetched at startup (a failure is a warning), refreshed in the background before its
 * Cache-Control lifetime ends, fetched again at most once per cooldown when a token names a kid it does not
 * hold, and kept (and used) for the stale window while the provider cannot be reached.
 */

export interface KeySetOptions {
  /** `--auth-issuer`: discovery (`/.well-known/openid-configuration`) finds `jwks_uri` when `jwksUrl` is unset. */
  readonly issuer: string;
  readonly jwksUrl?: string;
  /** `--auth-timeout`: each fetch (discovery, key set) whole, headers and body. */
  readonly timeoutMs: number;
  /** `--auth-jwks-stale`, seconds. */
  readonly staleS: number;
  /** `--auth-jwks-cooldown`, seconds. */
  readonly cooldownS: number;
  readonly logger: Logger;
  readonly now?: () => number;
}

/** The keys usable now, or why there are none (the token may be fine: 503 with Retry-After, never 401). */
export type KeysNow =
  | { readonly ok: true; readonly getKey: JWTVerifyGetKey; readonly kids: ReadonlySet<string> }
  | { readonly ok: false; readonly reason: string; readonly retryAfterS: number };

export interface KeySetState {
  /** When the keys in use were fetched; undefined while none ever were. */
  readonly fetchedAtMs?: number;
  readonly keys: number;
  /** Past its Cache-Control lifetime (refreshes failing) but within the stale window. */
  readonly stale: boolean;
  /** The last fetch's failure, in words fit for a log line (no secrets; URLs are the deployer's own). */
  readonly lastError?: string;
  readonly fetches: number;
  readonly fetchFailures: number;
}

export interface KeySet {
  /** The first fetch; never throws (a failure is logged as a warning and retried in the background). */
  start(): Promise<void>;
  stop(): void;
  keys(): KeysNow;
  /** A token named a kid the set lacks: fetch again, unless a fetch ran within the cooldown; then the keys. */
  refetchForUnknownKid(kid: string | undefined): Promise<KeysNow>;
  state(): KeySetState;
  /** /health: `jwks:age`, failing when the keys are older than the stale window or there are none. */
  healthCheck(critical: boolean): HealthCheck;
}

export function createKeySet(_options: KeySetOptions): KeySet {
  throw new Error('the key set is not built yet');
}
