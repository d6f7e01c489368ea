import { LRUCache } from 'lru-cache';
import type { Identity } from './identity.ts';

/**
 * Where the identity cache keeps its entries, and the bounds on who may take how much of the room:
 *
 * - identities on one LRU shelf of `size` entries, and at most `perUser` of them for one user id, so one
 *   principal minting tokens (a service account, a script logging in in a loop) pushes out its own least
 *   recently used tokens, never other people's;
 * - rejections apart, in a tenth of the room, so a stream of made-up tokens can only push out other
 *   rejections.
 */

/**
 * Tokens of one user id kept at once. A person holds one live token per device or session, plus the one
 * just refreshed, and a service whose workers each fetch their own token holds one per worker: 16 covers
 * both with room to spare, and is 0.16% of the default 10,000 entries. A user with more live tokens than
 * this still works; the tokens beyond it cost a call each time they come back.
 */
export const IDENTITIES_PER_USER = 16;

export type Entry =
  | { kind: 'valid'; identity: Identity; freshUntil: number; staleUntil: number }
  | { kind: 'rejected'; status: number; freshUntil: number };

export interface Shelves {
  get(key: string): Entry | undefined;
  set(key: string, entry: Entry, ttl: number): void;
  delete(key: string): void;
  /** Drops every identity of one user id; returns how many. */
  dropUser(userId: string): number;
  purgeStale(): void;
  clear(): void;
  readonly size: number;
}

/** Identities and rejections on separate LRU shelves, read and written as one. */
export function twoShelves(size: number, now: () => number, perUser = IDENTITIES_PER_USER): Shelves {
  const options = { perf: { now }, ttlResolution: 0 };
  // Each user id's keys, least recently used first (a Set keeps insertion order; a use re-inserts).
  const byUser = new Map<string, Set<string>>();
  const unlink = (userId: string, key: string) => {
    const keys = byUser.get(userId);
    if (keys?.delete(key) && keys.size === 0) byUser.delete(userId);
  };
  const identities = new LRUCache<string, Entry>({
    max: size,
    ...options,
    // Called however an entry leaves (evicted, expired, replaced, deleted), so the index never outlives it.
    dispose: (entry, key) => {
      if (entry.kind === 'valid') unlink(entry.identity.userId, key);
    },
  });
  const rejections = new LRUCache<string, Entry>({ max: Math.max(1, Math.ceil(size / 10)), ...options });
  const shelves = [identities, rejections];

  const touch = (userId: string, key: string) => {
    const keys = byUser.get(userId);
    if (keys === undefined) return;
    keys.delete(key);
    keys.add(key);
  };

  const keepIdentity = (key: string, entry: Entry & { kind: 'valid' }, ttl: number) => {
    identities.set(key, entry, { ttl });
    const { userId } = entry.identity;
    let keys = byUser.get(userId);
    if (keys === undefined) byUser.set(userId, (keys = new Set()));
    keys.delete(key);
    keys.add(key);
    if (keys.size > perUser) {
      const oldest = keys.values().next().value;
      if (oldest !== undefined) identities.delete(oldest);
    }
  };

  return {
    get(key) {
      const identity = identities.get(key);
      if (identity?.kind === 'valid') {
        touch(identity.identity.userId, key);
        return identity;
      }
      return rejections.get(key);
    },
    set(key, entry, ttl) {
      if (entry.kind === 'valid') {
        rejections.delete(key);
        keepIdentity(key, entry, ttl);
      } else {
        identities.delete(key);
        rejections.set(key, entry, { ttl });
      }
    },
    delete: (key) => shelves.forEach((shelf) => shelf.delete(key)),
    dropUser(userId) {
      // A copy: each delete's dispose unlinks the key from the set being walked.
      const keys = [...(byUser.get(userId) ?? [])];
      for (const key of keys) identities.delete(key);
      return keys.length;
    },
    purgeStale: () => shelves.forEach((shelf) => shelf.purgeStale()),
    clear() {
      shelves.forEach((shelf) => shelf.clear());
      byUser.clear();
    },
    get size() {
      return identities.size + rejections.size;
    },
  };
}
