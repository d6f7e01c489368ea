/**
 * A map whose entries expire, holding at most `maxEntries`: the in-memory state of the sign-in flow
 * (pending requests, codes, refresh tokens, failed attempts). When full, expired entries go first, then
 * the oldest, so an attacker filling it can only push out other entries, never grow the process.
 */
export interface ExpiringMap<V> {
  get(key: string, nowMs: number): V | undefined;
  set(key: string, value: V, expiresAtMs: number, nowMs: number): void;
  delete(key: string): void;
  /** The live entries, for the rare walks (revoking a session's tokens). */
  entries(nowMs: number): [string, V][];
  readonly size: number;
}

export function expiringMap<V>(maxEntries: number): ExpiringMap<V> {
  const entries = new Map<string, { value: V; expiresAtMs: number }>();
  const sweep = (nowMs: number) => {
    for (const [key, entry] of entries) if (entry.expiresAtMs <= nowMs) entries.delete(key);
  };
  return {
    get(key, nowMs) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      if (entry.expiresAtMs <= nowMs) {
        entries.delete(key);
        return undefined;
      }
      return entry.value;
    },
    set(key, value, expiresAtMs, nowMs) {
      entries.delete(key);
      if (entries.size >= maxEntries) sweep(nowMs);
      while (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(key, { value, expiresAtMs });
    },
    delete(key) {
      entries.delete(key);
    },
    entries(nowMs) {
      sweep(nowMs);
      return [...entries].map(([key, entry]) => [key, entry.value]);
    },
    get size() {
      return entries.size;
    },
  };
}
