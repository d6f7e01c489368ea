import type { HealthCheck } from '../health/check.ts';
import type { Verdict } from './identity.ts';
import type { AuthProtocol } from './protocols/protocol.ts';

/**
 * How a token not found in the cache is checked: by a call to the identity service (the HTTP protocols,
 * `http-checker.ts`) or here, against the provider's published keys (`jwt/`). The identity client puts the
 * cache and the revocations in front of either.
 */
export interface TokenChecker {
  readonly protocol: AuthProtocol;
  /** Never throws: every outcome is a verdict. */
  check(token: string, context: { readonly requestId?: string }): Promise<Verdict>;
  /** Work before the first request (the key set's first fetch); a failure is logged, never thrown. */
  start(): Promise<void>;
  /** Stops background work (the key set's refresh) so a stopping process is not held open. */
  stop(): void;
  /** What /health looks at beside the identity service's own health endpoint. */
  healthChecks(critical: boolean): HealthCheck[];
  /** The checker's own figures for the admin API (calls in flight, the key set's age). */
  stats(): CheckerStats;
}

export interface CheckerStats {
  /** `--auth-max-calls`; 0 for `jwt`, which makes no call per token. */
  maxCalls: number;
  callsInFlight: number;
  callsWaiting: number;
  /** Calls not made because every slot stayed taken for `--auth-timeout`. */
  refused: number;
  /** jwt: the key set's figures. */
  keySet?: KeySetFigures;
}

export interface KeySetFigures {
  /** Seconds since the keys in use were fetched; null while none ever were. */
  ageS: number | null;
  keys: number;
  fetches: number;
  fetchFailures: number;
  /** Past the key set's lifetime, used within the stale window while refreshes fail. */
  stale: boolean;
}
