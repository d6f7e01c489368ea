import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import type { Logger } from 'pino';
import type { HealthCheck } from '../../health/check.ts';
import { discoverJwksUrl, discoveryUrl } from './discovery.ts';
import { fetchJson } from './fetch-json.ts';
import { parseKeySet, type SkippedKey } from './key-set-parse.ts';
import { LIFETIME_BOUNDS, lifetimeS, REFRESH_AT, retryAfterS, retryDelayS, type LifetimeBounds } from './key-set-timing.ts';
import { keySetHealth } from './key-set-health.ts';

/**
 * The provider's signing keys, kept for `--auth-protocol jwt`.
 *
 * Its life: fetched at startup (a failure is a warning), refreshed in the background before its
 * Cache-Control lifetime ends, fetched again at most once per cooldown when a token names a kid it does not
 * hold, and kept (and used) for the stale window while the provider cannot be reached.
 *
 * Not jose's `createRemoteJWKSet`: that one fetches on the request path, when a token arrives and the
 * cache is cold or expired, and fails the token when the provider is down (the spurious 403s of Oathkeeper
 * #203, the missing background refresh and fallback of Envoy #14557). Here requests never wait on a fetch
 * except to look for an unknown kid, and jose's `createLocalJWKSet` only picks the key (kid, alg, kty).
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
  /** For ages and the stale window only; timers run on real time. */
  readonly now?: () => number;
  /** The lifetime taken when the provider gives none, and its bounds (LIFETIME_BOUNDS); tests shorten them. */
  readonly lifetime?: Partial<LifetimeBounds>;
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
  /** The key set's address: the configured one, or the discovered one once known. */
  readonly jwksUrl?: string;
  /** The kids of the keys in use (keys without a kid are counted in `keys` only). */
  readonly kids: readonly string[];
  /** The lifetime of the keys in use (max-age within its bounds, or the default), in seconds. */
  readonly lifetimeS?: number;
  /** Past this the keys are no longer used (lifetime + stale window). */
  readonly usableUntilMs?: number;
  /** The next background fetch; undefined while one runs or after stop(). */
  readonly nextFetchAtMs?: number;
  /** Keys in the last fetched set that cannot check a signature, and why. */
  readonly skippedKeys: readonly SkippedKey[];
}

export interface KeySet {
  /** The first fetch; never throws (a failure is logged as a warning and retried in the background). */
  start(): Promise<void>;
  stop(): void;
  keys(): KeysNow;
  /** A token named a kid the set lacks: fetch again (joining one that runs), unless an unknown kid started one within the cooldown; then the keys. */
  refetchForUnknownKid(kid: string | undefined): Promise<KeysNow>;
  state(): KeySetState;
  /** /health: `jwks:age`, failing when the keys are older than the stale window or there are none. */
  healthCheck(critical: boolean): HealthCheck;
}


interface Held {
  readonly getKey: JWTVerifyGetKey;
  readonly kids: ReadonlySet<string>;
  readonly count: number;
  readonly fetchedAtMs: number;
  readonly lifetimeS: number;
}

type Attempt = { ok: true; held: Omit<Held, 'fetchedAtMs'> } | { ok: false; reason: string };

export function createKeySet(options: KeySetOptions): KeySet {
  const now = options.now ?? Date.now;
  const bounds: LifetimeBounds = { ...LIFETIME_BOUNDS, ...options.lifetime };
  const log = options.logger;
  const stopper = new AbortController();
  const fetchOptions = { timeoutMs: options.timeoutMs, signal: stopper.signal };
  let jwksUrl = options.jwksUrl;
  let held: Held | undefined;
  let inFlight: Promise<void> | undefined;
  let started: Promise<void> | undefined;
  /** The last fetch an unknown kid started; background fetches do not count, or a rotation just after one would wait out the cooldown. */
  let lastKidFetchMs: number | undefined;
  let failuresInRow = 0;
  let lastError: string | undefined;
  let fetches = 0;
  let fetchFailures = 0;
  let skipped: readonly SkippedKey[] = [];
  let timer: NodeJS.Timeout | undefined;
  let nextFetchAtMs: number | undefined;
  let expiryLogged = false;

  const where = () => jwksUrl ?? discoveryUrl(options.issuer);
  const usableUntil = (h: Held) => h.fetchedAtMs + (h.lifetimeS + options.staleS) * 1000;

  async function attempt(): Promise<Attempt> {
    if (jwksUrl === undefined) {
      // Kept for the process once found: a provider moves its key set rarely, and its discovery document
      // would be one more fetch that can fail during the outages the stale window is for.
      const found = await discoverJwksUrl(options.issuer, fetchOptions);
      if (!found.ok) return found;
      jwksUrl = found.jwksUrl;
    }
    const fetched = await fetchJson(jwksUrl, fetchOptions);
    if (!fetched.ok) return fetched;
    const parsed = await parseKeySet(fetched.body);
    reportSkipped(parsed.skipped);
    if (!parsed.ok) return parsed;
    const held = { getKey: createLocalJWKSet(parsed.jwks), kids: parsed.kids, count: parsed.jwks.keys.length, lifetimeS: lifetimeS(fetched.headers, bounds) };
    return { ok: true, held };
  }

  /** One fetch at a time: a refresh, a retry and any number of unknown kids share the one running. */
  function fetchNow(): Promise<void> {
    if (inFlight !== undefined) return inFlight;
    clearTimeout(timer);
    nextFetchAtMs = undefined;
    fetches++;
    inFlight = attempt()
      .catch((e: unknown): Attempt => ({ ok: false, reason: `an unexpected error (${e instanceof Error ? e.message : String(e)})` }))
      .then(settle)
      .finally(() => (inFlight = undefined));
    return inFlight;
  }

  function settle(result: Attempt): void {
    if (stopper.signal.aborted) return;
    if (result.ok) {
      if (failuresInRow > 0) log.info({ url: where(), failures: failuresInRow, keys: result.held.count }, 'jwt key set fetched again after failures');
      held = { ...result.held, fetchedAtMs: now() };
      failuresInRow = 0;
      lastError = undefined;
      expiryLogged = false;
      return schedule(held.lifetimeS * REFRESH_AT);
    }
    fetchFailures++;
    failuresInRow++;
    const changed = result.reason !== lastError;
    lastError = result.reason;
    const retryInS = retryDelayS(failuresInRow, held?.lifetimeS ?? bounds.defaultS);
    reportFailure(result.reason, retryInS, changed || failuresInRow === 1);
    schedule(retryInS);
  }

  function reportFailure(reason: string, retryInS: number, news: boolean): void {
    const fields = { url: where(), reason, failures: failuresInRow, retryInS };
    if (held === undefined) {
      if (news) log.warn(fields, 'jwt key set could not be fetched: tokens get 503 until it is');
      else log.debug(fields, 'jwt key set still cannot be fetched');
    } else if (now() >= usableUntil(held)) {
      if (!expiryLogged) log.error({ ...fields, fetchedAt: new Date(held.fetchedAtMs).toISOString() }, 'jwt key set past its stale window: tokens get 503 until a fetch succeeds');
      else if (news) log.warn(fields, 'jwt key set still cannot be fetched');
      expiryLogged = true;
    } else if (news) {
      log.warn({ ...fields, usableForS: Math.round((usableUntil(held) - now()) / 1000) }, 'jwt key set refresh failed: the keys held stay in use');
    } else log.debug(fields, 'jwt key set refresh failed again');
  }

  function reportSkipped(found: readonly SkippedKey[]): void {
    // One warning per change, not per refresh: a provider keeps publishing its encryption keys.
    if (found.length > 0 && JSON.stringify(found) !== JSON.stringify(skipped)) {
      log.warn({ url: where(), skipped: found.slice(0, 10), count: found.length }, 'jwt key set: keys skipped, they cannot check a signature');
    }
    skipped = found;
  }

  function schedule(inS: number): void {
    if (stopper.signal.aborted) return;
    nextFetchAtMs = now() + inS * 1000;
    timer = setTimeout(() => void fetchNow(), inS * 1000);
    // A key set must not keep the process alive: stopping the server is what ends it.
    timer.unref();
  }

  function keys(): KeysNow {
    if (held !== undefined && now() < usableUntil(held)) return { ok: true, getKey: held.getKey, kids: held.kids };
    const retryAfter = retryAfterS(nextFetchAtMs === undefined ? 0 : nextFetchAtMs - now());
    return { ok: false, reason: noKeys(), retryAfterS: retryAfter };
  }

  function noKeys(): string {
    const why = lastError === undefined ? '' : ` (${lastError})`;
    if (held !== undefined) {
      const ageS = Math.round((now() - held.fetchedAtMs) / 1000);
      return `no signing keys: the identity provider's key set, fetched ${ageS} s ago, is past its lifetime and stale window (${held.lifetimeS} s + ${options.staleS} s), and fetching it again fails${why}`;
    }
    if (lastError === undefined) return "no signing keys: the identity provider's key set has not been fetched yet";
    return `no signing keys: the identity provider's key set could not be fetched${why}`;
  }

  function state(): KeySetState {
    const at = now();
    return {
      ...(held === undefined
        ? {}
        : { fetchedAtMs: held.fetchedAtMs, lifetimeS: held.lifetimeS, usableUntilMs: usableUntil(held) }),
      keys: held?.count ?? 0,
      kids: held === undefined ? [] : [...held.kids],
      stale: held !== undefined && at >= held.fetchedAtMs + held.lifetimeS * 1000 && at < usableUntil(held),
      ...(lastError === undefined ? {} : { lastError }),
      ...(jwksUrl === undefined ? {} : { jwksUrl }),
      ...(nextFetchAtMs === undefined ? {} : { nextFetchAtMs }),
      fetches,
      fetchFailures,
      skippedKeys: skipped,
    };
  }

  return {
    start: () => (started ??= fetchNow()),
    stop: () => {
      stopper.abort();
      clearTimeout(timer);
      nextFetchAtMs = undefined;
    },
    keys,
    refetchForUnknownKid: async (kid) => {
      if (held !== undefined && kid !== undefined && held.kids.has(kid)) return keys();
      if (inFlight !== undefined) {
        await inFlight;
        return keys();
      }
      // Within the cooldown the answer is the keys held: tokens naming random kids cost no fetch.
      const cooling = lastKidFetchMs !== undefined && now() - lastKidFetchMs < options.cooldownS * 1000;
      if (cooling || stopper.signal.aborted) return keys();
      lastKidFetchMs = now();
      await fetchNow();
      return keys();
    },
    state,
    healthCheck: (critical) => keySetHealth(state, now, critical),
  };
}
