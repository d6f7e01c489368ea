import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * API keys that passed an argon2 check a short while ago. Formgate introspects every token it has not seen
 * with the same service account key, and each argon2 check costs about 30 ms of CPU: remembering the
 * success lets the next call skip it. Only successes are remembered, so a wrong key always pays the full
 * check. An entry holds a SHA-256 of the key (never the key) and belongs to one stored hash: a key that
 * was rotated out or removed has no stored hash to match, and the caller checks a key's expiry before
 * asking here.
 */
export interface VerifiedKeys {
  /** Whether `key` matched `storedHash` less than the TTL ago. */
  has(storedHash: string, key: string, nowMs: number): boolean;
  /** Remembers that `key` matches `storedHash`. */
  add(storedHash: string, key: string, nowMs: number): void;
}

export interface VerifiedKeysOptions {
  /** How long a success is remembered. */
  readonly ttlMs?: number;
  /** The most keys remembered at once; the oldest goes first. */
  readonly maxEntries?: number;
}

const digest = (key: string) => createHash('sha256').update(key).digest();

export function verifiedKeys(options: VerifiedKeysOptions = {}): VerifiedKeys {
  const ttlMs = options.ttlMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 1_000;
  const entries = new Map<string, { digest: Buffer; until: number }>();
  return {
    has(storedHash, key, nowMs) {
      const entry = entries.get(storedHash);
      if (entry === undefined) return false;
      if (nowMs >= entry.until) {
        entries.delete(storedHash);
        return false;
      }
      return timingSafeEqual(entry.digest, digest(key));
    },
    add(storedHash, key, nowMs) {
      entries.delete(storedHash);
      entries.set(storedHash, { digest: digest(key), until: nowMs + ttlMs });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
  };
}
