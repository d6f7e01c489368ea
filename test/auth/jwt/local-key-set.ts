import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import type { KeySet, KeysNow } from '../../../src/auth/jwt/key-set.ts';
import type { KeySetServer } from '../../support/key-set-server.ts';

/**
 * The verifier's tests need a key set whose every answer they decide, without the key set's own life
 * (timers, backoff, stale windows: the key-set tests' business). This one fetches the test server's real
 * JWKS over HTTP when told to, and when a token names an unknown kid (counted).
 */
export interface ManualKeySet extends KeySet {
  /** Fetches the server's JWKS now. */
  load(): Promise<void>;
  /** From now on keys() answers that there are none. */
  lose(reason: string, retryAfterS: number): void;
  readonly refetches: (string | undefined)[];
}

export function manualKeySet(server: KeySetServer): ManualKeySet {
  let now: KeysNow = { ok: false, reason: 'not loaded yet', retryAfterS: 1 };
  const refetches: (string | undefined)[] = [];
  const load = async () => {
    const res = await fetch(server.jwksUrl, { signal: AbortSignal.timeout(5000) });
    const jwks = (await res.json()) as JSONWebKeySet;
    now = { ok: true, getKey: createLocalJWKSet(jwks), kids: new Set(jwks.keys.map((k) => k.kid ?? '')) };
  };
  return {
    load,
    lose: (reason, retryAfterS) => void (now = { ok: false, reason, retryAfterS }),
    refetches,
    start: load,
    stop: () => {},
    keys: () => now,
    async refetchForUnknownKid(kid) {
      refetches.push(kid);
      await load();
      return now;
    },
    state: () => ({ keys: now.ok ? now.kids.size : 0, kids: now.ok ? [...now.kids] : [], skippedKeys: [], stale: false, fetches: 0, fetchFailures: 0 }),
    healthCheck: (critical) => ({ name: 'jwks:age', componentType: 'component', critical, run: async () => ({ status: 'pass', durationMs: 0, time: new Date().toISOString() }) }),
  };
}
