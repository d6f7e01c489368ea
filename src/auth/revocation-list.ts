import type { Identity } from './identity.ts';

/**
 * The revocations a `jwt` replica holds: with nothing asked again, dropping a cached identity is not
 * enough, so a revoked token, or a revoked user's tokens issued before the revocation, are refused here
 * until they could no longer be valid anyway. Filled from the database and the revocation channel
 * (`revocations/`); read on every request, so a lookup is two map reads.
 */
export interface RevocationList {
  /** Whether an identity the checker accepted must be refused anyway. `key` is the token's cache key (`tokenKey`). */
  refuses(key: string, identity: Identity): boolean;
  /** Refuses `userId`'s tokens issued up to `revokedAtMs` (and, defensively, identities with no `issuedAtS`: jwt requires `iat`), until `untilMs`. */
  revokeUser(userId: string, revokedAtMs: number, untilMs: number): void;
  /** Refuses one token until `untilMs` (its `exp`). */
  revokeToken(key: string, untilMs: number): void;
  /** Revocations held now (expired ones are dropped as they are met). */
  readonly size: number;
}

interface UserRevocation {
  /** Tokens with an `iat` up to this second are refused: the revocation's time rounded up to the second. */
  readonly issuedUpToS: number;
  readonly untilMs: number;
}

export function createRevocationList(now: () => number = Date.now): RevocationList {
  const users = new Map<string, UserRevocation>();
  const tokens = new Map<string, number>();

  const refusesUser = (identity: Identity): boolean => {
    const held = users.get(identity.userId);
    if (held === undefined) return false;
    if (now() >= held.untilMs) {
      users.delete(identity.userId);
      return false;
    }
    // `iat` counts whole seconds: a token issued in the revocation's own second may predate it, so it is refused.
    return identity.issuedAtS === undefined || identity.issuedAtS <= held.issuedUpToS;
  };

  const refusesToken = (key: string): boolean => {
    const untilMs = tokens.get(key);
    if (untilMs === undefined) return false;
    if (now() < untilMs) return true;
    tokens.delete(key);
    return false;
  };

  return {
    refuses: (key, identity) => refusesToken(key) || refusesUser(identity),
    revokeUser(userId, revokedAtMs, untilMs) {
      if (untilMs <= now()) return;
      // Revocations only ever widen: the same user revoked twice (or told twice) keeps the later bound of each.
      const held = users.get(userId);
      const issuedUpToS = Math.ceil(revokedAtMs / 1000);
      users.set(userId, { issuedUpToS: Math.max(issuedUpToS, held?.issuedUpToS ?? 0), untilMs: Math.max(untilMs, held?.untilMs ?? 0) });
    },
    revokeToken(key, untilMs) {
      if (untilMs <= now()) return;
      tokens.set(key, Math.max(untilMs, tokens.get(key) ?? 0));
    },
    get size() {
      const at = now();
      for (const [userId, held] of users) if (at >= held.untilMs) users.delete(userId);
      for (const [key, untilMs] of tokens) if (at >= untilMs) tokens.delete(key);
      return users.size + tokens.size;
    },
  };
}
