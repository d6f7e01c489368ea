import type { AuthCacheConfig } from './settings.ts';
import type { Verdict } from './identity.ts';
import { twoShelves, type Entry } from './shelves.ts';
import { cacheTtl, type CacheTtl } from './ttl.ts';

/**
 * The identity cache: answers kept for as long as the identity service allows, bounded in entries.
 * Keys are SHA-256 digests of tokens (the caller hashes); the raw token never reaches this module.
 *
 * - a valid identity is kept for its TTL (`ttl.ts`), and `staleIfError` longer for use while the service fails;
 * - a rejection is kept `negativeTtl`, so a bad token does not cost a call per request;
 * - a failure is never kept: the next request asks again;
 * - concurrent misses for one key share one call (single flight);
 * - `size: 0` turns all of it off: every request asks the service.
 *
 * Where entries are kept, and how much of the room one user or a stream of made-up tokens may take, is
 * `shelves.ts`'s job.
 */

export type VerdictSource = 'hit' | 'miss' | 'coalesced' | 'stale' | 'uncached';

export interface SourcedVerdict {
  readonly verdict: Verdict;
  /** Where the verdict came from: kept (`hit`), asked (`miss`), shared with a call in flight (`coalesced`), an expired identity used while the service fails (`stale`), or asked with the cache off (`uncached`). */
  readonly source: VerdictSource;
  /** How long the answer was kept for, when it was just asked for. */
  readonly ttl?: CacheTtl;
}

export interface CacheStats {
  enabled: boolean;
  capacity: number;
  size: number;
  hits: number;
  misses: number;
  coalesced: number;
  rejections: number;
  failures: number;
  staleServed: number;
}

export interface IdentityCache {
  validate(key: string, ask: () => Promise<Verdict>): Promise<SourcedVerdict>;
  stats(): CacheStats;
  /** Forgets every answer (revocation); counters keep counting. Returns how many entries were dropped. */
  clear(): number;
  /** Forgets every identity of one user id (revocation); returns how many entries were dropped. */
  dropUser(userId: string): number;
  /** Forgets the answer for one key, identity or rejection; returns 0 or 1. */
  dropKey(key: string): number;
}

/** The freshness of an answer served from the cache: it is not to be cached again. */
const ALREADY_KEPT = { noStore: true } as const;

export interface CacheOptions extends AuthCacheConfig {
  /** Milliseconds since the epoch; tests move it. */
  readonly now?: () => number;
}

export function createIdentityCache(options: CacheOptions): IdentityCache {
  const now = options.now ?? Date.now;
  const counters = { hits: 0, misses: 0, coalesced: 0, rejections: 0, failures: 0, staleServed: 0 };
  const count = (verdict: Verdict) => {
    if (verdict.kind === 'rejected') counters.rejections++;
    // A refused call was never made: it is counted where calls are limited, not as the service's failure.
    if (verdict.kind === 'failed' && verdict.failure.kind !== 'refused') counters.failures++;
  };

  if (options.size === 0) {
    return {
      async validate(_key, ask) {
        counters.misses++;
        const verdict = await ask();
        count(verdict);
        return { verdict, source: 'uncached' };
      },
      stats: () => ({ enabled: false, capacity: 0, size: 0, ...counters }),
      clear: () => 0,
      dropUser: () => 0,
      dropKey: () => 0,
    };
  }

  const entries = twoShelves(options.size, now);
  const inFlight = new Map<string, Promise<SourcedVerdict>>();
  // Bumped by clear(): an answer to a call made before the clear must not refill the cache after it.
  let generation = 0;

  const keep = (key: string, entry: Entry) => {
    const ttl = (entry.kind === 'valid' ? entry.staleUntil : entry.freshUntil) - now();
    if (ttl > 0) entries.set(key, entry, ttl);
  };

  const askAndKeep = async (key: string, ask: () => Promise<Verdict>, previous: Entry | undefined): Promise<SourcedVerdict> => {
    const startedIn = generation;
    const verdict = await ask();
    count(verdict);
    const at = now();
    const current = startedIn === generation;
    if (verdict.kind === 'valid') {
      const ttl = cacheTtl(verdict.freshness, at, options);
      if (current && ttl.ms > 0) {
        keep(key, { kind: 'valid', identity: verdict.identity, freshUntil: at + ttl.ms, staleUntil: at + ttl.ms + options.staleIfErrorS * 1000 });
      } else if (current) entries.delete(key);
      return { verdict, source: 'miss', ttl };
    }
    if (verdict.kind === 'rejected') {
      if (current && options.negativeTtlS > 0) keep(key, { kind: 'rejected', status: verdict.status, freshUntil: at + options.negativeTtlS * 1000 });
      else if (current) entries.delete(key);
      return { verdict, source: 'miss' };
    }
    if (current && previous?.kind === 'valid' && at < previous.staleUntil) {
      return { verdict: { kind: 'valid', identity: previous.identity, freshness: ALREADY_KEPT }, source: 'stale' };
    }
    return { verdict, source: 'miss' };
  };

  return {
    async validate(key, ask) {
      const entry = entries.get(key);
      if (entry !== undefined && now() < entry.freshUntil) {
        counters.hits++;
        const verdict: Verdict = entry.kind === 'valid' ? { kind: 'valid', identity: entry.identity, freshness: ALREADY_KEPT } : { kind: 'rejected', status: entry.status };
        return { verdict, source: 'hit' };
      }
      const pending = inFlight.get(key);
      if (pending !== undefined) {
        counters.coalesced++;
        const shared = await pending;
        if (shared.source === 'stale') counters.staleServed++;
        return { ...shared, source: shared.source === 'stale' ? 'stale' : 'coalesced' };
      }
      counters.misses++;
      const call = askAndKeep(key, ask, entry).finally(() => {
        if (inFlight.get(key) === call) inFlight.delete(key);
      });
      inFlight.set(key, call);
      const result = await call;
      if (result.source === 'stale') counters.staleServed++;
      return result;
    },
    stats() {
      // lru-cache drops an expired entry only when it is next read; the figures count what can still serve.
      entries.purgeStale();
      return { enabled: true, capacity: options.size, size: entries.size, ...counters };
    },
    clear() {
      entries.purgeStale();
      const dropped = entries.size;
      entries.clear();
      inFlight.clear();
      generation++;
      return dropped;
    },
    dropUser(userId) {
      // Any call in flight may be this user's: none of them refills the cache (each costs one more call, at worst).
      generation++;
      inFlight.clear();
      return entries.dropUser(userId);
    },
    dropKey(key) {
      generation++;
      inFlight.delete(key);
      const held = entries.get(key) !== undefined;
      entries.delete(key);
      return held ? 1 : 0;
    },
  };
}
