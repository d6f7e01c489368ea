/**
 * When the key set is fetched again: before the lifetime its provider gave it (Cache-Control max-age, less
 * the Age a cache in between already spent) ends, and after a failure with a growing pause. Pure figures,
 * in seconds, so the policy reads in one place.
 */

export interface LifetimeBounds {
  /** No max-age given (or none readable): how long a key set is taken to be current. */
  readonly defaultS: number;
  /** A provider asking for less (max-age=0, no-cache, no-store) is fetched this often at most. */
  readonly minS: number;
  /** A provider asking for more is still fetched this often: keys it withdraws go out of use within it. */
  readonly maxS: number;
}

export const LIFETIME_BOUNDS: LifetimeBounds = { defaultS: 300, minS: 30, maxS: 24 * 60 * 60 };

/** The refresh runs at this share of the lifetime, so a slow or failing fetch still has time before it ends. */
export const REFRESH_AT = 0.8;

/** Pauses after failures: 1 s, 2 s, 4 s, … up to this. */
export const RETRY_FIRST_S = 1;
export const RETRY_MAX_S = 60;

/** Retry-After for a 503 while no keys can be used: the time to the next fetch, within these. */
export const RETRY_AFTER_MIN_S = 1;
export const RETRY_AFTER_MAX_S = 30;

/** The key set's lifetime in seconds from its answer's headers, within the bounds. */
export function lifetimeS(headers: Headers, bounds: LifetimeBounds): number {
  const given = maxAgeS(headers.get('cache-control'));
  if (given === undefined) return clamp(bounds.defaultS, bounds.minS, bounds.maxS);
  const age = Number(headers.get('age'));
  const left = Number.isFinite(age) && age > 0 ? given - age : given;
  return clamp(left, bounds.minS, bounds.maxS);
}

/** max-age in seconds; 0 for no-store / no-cache (fetch as often as allowed); undefined when not given. */
export function maxAgeS(cacheControl: string | null): number | undefined {
  if (cacheControl === null) return undefined;
  let found: number | undefined;
  for (const directive of cacheControl.toLowerCase().split(',')) {
    const [name, value] = directive.trim().split('=', 2).map((s) => s.trim().replace(/^"|"$/g, ''));
    if (name === 'no-store' || name === 'no-cache') return 0;
    if (name === 'max-age' && value !== undefined && /^\d+$/.test(value)) found = Number(value);
  }
  return found;
}

/** Seconds to wait after the n-th failure in a row (n ≥ 1), never longer than the lifetime. */
export function retryDelayS(failuresInRow: number, lifetime: number): number {
  const backoff = RETRY_FIRST_S * 2 ** Math.min(Math.max(failuresInRow - 1, 0), 16);
  return Math.min(backoff, RETRY_MAX_S, Math.max(lifetime, RETRY_FIRST_S));
}

export function retryAfterS(untilNextFetchMs: number): number {
  return clamp(Math.ceil(untilNextFetchMs / 1000), RETRY_AFTER_MIN_S, RETRY_AFTER_MAX_S);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
