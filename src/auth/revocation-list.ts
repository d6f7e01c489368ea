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
  /** Refuses `userId`'s tokens issued up to `revokedAtMs` (and those naming no `iat`), until `untilMs`. */
  revokeUser(userId: string, revokedAtMs: number, untilMs: number): void;
  /** Refuses one token until `untilMs` (its `exp`). */
  revokeToken(key: string, untilMs: number): void;
  /** Revocations held now (expired ones are dropped as they are met). */
  readonly size: number;
}

/** Stub until the revocation work lands: refuses nothing. */
export function createRevocationList(_now: () => number = Date.now): RevocationList {
  return {
    refuses: () => false,
    revokeUser: () => {},
    revokeToken: () => {},
    size: 0,
  };
}
