import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { GrantOutcome } from './provider.ts';
import type { SessionData } from './session.ts';

/**
 * One refresh per refresh token in this process. Two tabs whose cookies hold the same refresh token share
 * one grant, and a tab that comes a little later with the old cookie gets the tokens the first one got: a
 * second grant with a rotated-out refresh token would look like theft to the provider, which then ends
 * the whole session.
 */
export interface Refresher {
  refresh(session: SessionData): Promise<GrantOutcome>;
}

/** How long the tokens a refresh got are handed to a request still carrying the old refresh token. */
const REPLAY_MS = 60_000;

export function refresher(grant: (session: SessionData) => Promise<GrantOutcome>): Refresher {
  const inFlight = new Map<string, Promise<GrantOutcome>>();
  // Keyed by a hash: the cache never holds the old refresh token itself.
  const recent = new LRUCache<string, GrantOutcome & { kind: 'tokens' }>({ max: 10_000, ttl: REPLAY_MS });
  return {
    refresh(session) {
      if (session.refreshToken === undefined) return Promise.resolve({ kind: 'rejected' });
      const key = createHash('sha256').update(session.refreshToken).digest('base64url');
      const done = recent.get(key);
      if (done !== undefined) return Promise.resolve(done);
      let running = inFlight.get(key);
      if (running === undefined) {
        running = grant(session)
          .then((outcome) => {
            if (outcome.kind === 'tokens') recent.set(key, outcome);
            return outcome;
          })
          .finally(() => inFlight.delete(key));
        inFlight.set(key, running);
      }
      return running;
    },
  };
}
