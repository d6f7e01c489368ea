import type { Freshness } from './identity.ts';

/**
 * How long an identity may be kept, from what its answer said. The rule (DESIGN.md): the smallest of the
 * body's `ttl`, `Cache-Control: max-age` and the time left to `expiresAt`/`exp`, never more than the
 * configured maximum; `no-store`/`no-cache` means not at all; an answer that names none gets the default.
 */

export interface TtlLimits {
  readonly maxTtlS: number;
  readonly defaultTtlS: number;
}

export type TtlSource = 'ttl' | 'max-age' | 'expiresAt' | 'exp' | 'max-ttl' | 'default' | 'no-store';

export interface CacheTtl {
  /** 0 = do not keep. */
  readonly ms: number;
  /** Which rule decided, for check-auth and the debug log. */
  readonly decidedBy: TtlSource;
}

export function cacheTtl(freshness: Freshness, nowMs: number, limits: TtlLimits): CacheTtl {
  if (freshness.noStore) return { ms: 0, decidedBy: 'no-store' };
  const named: CacheTtl[] = [];
  if (freshness.ttlS !== undefined) named.push({ ms: freshness.ttlS * 1000, decidedBy: 'ttl' });
  if (freshness.maxAgeS !== undefined) named.push({ ms: freshness.maxAgeS * 1000, decidedBy: 'max-age' });
  if (freshness.expiresAtMs !== undefined) {
    named.push({ ms: freshness.expiresAtMs - nowMs, decidedBy: freshness.expiresAtField ?? 'expiresAt' });
  }
  let chosen: CacheTtl = { ms: limits.defaultTtlS * 1000, decidedBy: 'default' };
  if (named.length > 0) chosen = named.reduce((a, b) => (b.ms < a.ms ? b : a));
  const maxMs = limits.maxTtlS * 1000;
  if (chosen.ms > maxMs) chosen = { ms: maxMs, decidedBy: 'max-ttl' };
  return { ms: Math.max(0, Math.floor(chosen.ms)), decidedBy: chosen.decidedBy };
}

export interface CacheControl {
  readonly maxAgeS?: number;
  readonly noStore: boolean;
}

/**
 * The directives of a `Cache-Control` header that bear on keeping an identity. A `max-age` that is not a
 * plain number of seconds, or one given twice, counts as 0, which RFC 9111 (§4.2.1, §1.2.2) says to do
 * for a value that cannot be trusted: keeping an identity too short costs a call, too long costs security.
 */
export function parseCacheControl(header: string | null): CacheControl {
  if (header === null) return { noStore: false };
  let noStore = false;
  let maxAgeS: number | undefined;
  let maxAgeSeen = false;
  for (const part of header.split(',')) {
    const [rawName = '', ...rest] = part.split('=');
    const name = rawName.trim().toLowerCase();
    if (name === 'no-store' || name === 'no-cache') noStore = true;
    if (name !== 'max-age') continue;
    const value = rest.join('=').trim().replace(/^"(.*)"$/, '$1');
    // RFC 9111 §1.2.2: a delta too large to hold counts as 2^31 s; the configured maximum then applies.
    const seconds = /^[0-9]+$/.test(value) ? Math.min(Number(value), 2 ** 31) : 0;
    maxAgeS = maxAgeSeen ? 0 : seconds;
    maxAgeSeen = true;
  }
  return maxAgeS === undefined ? { noStore } : { maxAgeS, noStore };
}
