import { expiringMap } from './expiring-map.ts';

/**
 * Limits on failed logins at /authorize, per user name (against guessing one person's password) and
 * per client address (against trying many names). A fixed window per key: after `max` failures the key
 * is refused until its window ends. Memory is bounded; when full, the oldest counters are dropped,
 * which at worst gives an attacker who floods it a fresh count.
 */

export interface LoginLimitOptions {
  readonly perUser: number;
  readonly perAddress: number;
  readonly windowS: number;
  readonly maxEntries?: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimitOptions = { perUser: 5, perAddress: 20, windowS: 15 * 60 };

export interface LoginLimits {
  /** Seconds until another attempt is taken, or undefined when one may be made now. */
  retryAfterS(userName: string, address: string, nowMs: number): number | undefined;
  failed(userName: string, address: string, nowMs: number): void;
  /** A successful login clears its user's count (not its address's). */
  succeeded(userName: string): void;
}

interface Counter {
  count: number;
  readonly endsMs: number;
}

export function loginLimits(options: LoginLimitOptions): LoginLimits {
  const counters = expiringMap<Counter>(options.maxEntries ?? 10_000);
  const keys = (userName: string, address: string) =>
    [
      [`user:${userName.toLowerCase()}`, options.perUser],
      [`address:${address}`, options.perAddress],
    ] as const;
  return {
    retryAfterS(userName, address, nowMs) {
      let wait: number | undefined;
      for (const [key, max] of keys(userName, address)) {
        const counter = counters.get(key, nowMs);
        if (counter === undefined || counter.count < max) continue;
        wait = Math.max(wait ?? 0, Math.ceil((counter.endsMs - nowMs) / 1000));
      }
      return wait;
    },
    failed(userName, address, nowMs) {
      for (const [key] of keys(userName, address)) {
        const counter = counters.get(key, nowMs);
        if (counter !== undefined) counter.count += 1;
        else {
          const endsMs = nowMs + options.windowS * 1000;
          counters.set(key, { count: 1, endsMs }, endsMs, nowMs);
        }
      }
    },
    succeeded(userName) {
      counters.delete(`user:${userName.toLowerCase()}`);
    },
  };
}
