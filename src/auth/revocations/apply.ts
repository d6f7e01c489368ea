import type { RevocationList } from '../revocation-list.ts';
import type { StoredRevocation } from './store.ts';
import type { Revocation } from './messages.ts';

/** What a revocation drops on one replica: the identity client's local drops (`IdentityClient`). */
export interface CacheDrops {
  clearCache(): number;
  dropUser(userId: string): number;
  dropToken(key: string): number;
}

export interface LocalRevocations {
  readonly cache: CacheDrops;
  readonly list: RevocationList;
  /** Whether this replica's protocol (jwt) keeps refusing after the drop; the HTTP ones ask the service again. */
  readonly holds: boolean;
}

/**
 * One revocation on this replica, made here or told by another; returns the cache entries dropped. The
 * list is filled before the cache is dropped, so an answer still in flight cannot slip through between.
 */
export function applyRevocation(local: LocalRevocations, revocation: Revocation): number {
  if (revocation.op === 'clear') return local.cache.clearCache();
  if (revocation.op === 'user') {
    if (local.holds && revocation.revokedAt !== undefined && revocation.until !== undefined) local.list.revokeUser(revocation.user, revocation.revokedAt, revocation.until);
    return local.cache.dropUser(revocation.user);
  }
  if (local.holds && revocation.until !== undefined) local.list.revokeToken(revocation.key, revocation.until);
  return local.cache.dropToken(revocation.key);
}

/** The rows the database keeps, into the list (at startup, and after the channel missed notifications). */
export function holdStored(list: RevocationList, rows: readonly StoredRevocation[]): void {
  for (const row of rows) {
    if (row.kind === 'user') list.revokeUser(row.subject, row.revokedAtMs, row.untilMs);
    else list.revokeToken(row.subject, row.untilMs);
  }
}
