import { err, ok, type Result } from '../result.ts';
import { expiringMap } from './expiring-map.ts';
import { randomToken, storageKey, type SignIn } from './sign-in.ts';

/**
 * Refresh tokens, rotated on every use (OAuth 2.0 Security BCP §4.14.2): each use answers a new token
 * and retires the old one. All the tokens of one sign-in form a family; an old token presented again
 * means two parties hold the family, so the whole family is revoked. Held in memory only, as SHA-256s:
 * a restart ends every sign-in, and the person signs in again.
 */

export type RefreshRefusal = 'unknown' | 'reused' | 'wrong client';

export interface RefreshStore {
  /** Starts a family, ending with the sign-in's lifetime, and answers its first token. */
  start(familyId: string, signIn: SignIn, nowMs: number): string;
  /** Retires `token` and answers the next one of its family. */
  rotate(token: string, clientId: string, nowMs: number): Result<{ signIn: SignIn; token: string }, RefreshRefusal>;
  revokeFamily(familyId: string): void;
  /** Revokes every family of the session `sid` (logout); answers how many. */
  revokeSession(sid: string, nowMs: number): number;
}

export interface RefreshStoreOptions {
  /** How long a sign-in can be refreshed, from the moment the password was checked. */
  readonly ttlS: number;
  readonly maxFamilies?: number;
  readonly maxTokens?: number;
}

interface Family {
  readonly signIn: SignIn;
  readonly expiresAtMs: number;
}

export function refreshStore(options: RefreshStoreOptions): RefreshStore {
  // A family missing here is revoked or expired: its tokens no longer lead anywhere.
  const families = expiringMap<Family>(options.maxFamilies ?? 10_000);
  const tokens = expiringMap<{ familyId: string; used: boolean }>(options.maxTokens ?? 50_000);

  const next = (familyId: string, family: Family, nowMs: number) => {
    const token = randomToken();
    tokens.set(storageKey(token), { familyId, used: false }, family.expiresAtMs, nowMs);
    return token;
  };

  return {
    start(familyId, signIn, nowMs) {
      const family = { signIn, expiresAtMs: signIn.authTimeS * 1000 + options.ttlS * 1000 };
      families.set(familyId, family, family.expiresAtMs, nowMs);
      return next(familyId, family, nowMs);
    },
    rotate(token, clientId, nowMs) {
      const key = storageKey(token);
      const entry = tokens.get(key, nowMs);
      const family = entry === undefined ? undefined : families.get(entry.familyId, nowMs);
      if (entry === undefined || family === undefined) return err('unknown');
      if (family.signIn.clientId !== clientId) return err('wrong client');
      if (entry.used) {
        families.delete(entry.familyId);
        return err('reused');
      }
      tokens.set(key, { ...entry, used: true }, family.expiresAtMs, nowMs);
      return ok({ signIn: family.signIn, token: next(entry.familyId, family, nowMs) });
    },
    revokeFamily(familyId) {
      families.delete(familyId);
    },
    revokeSession(sid, nowMs) {
      let revoked = 0;
      for (const [id, family] of families.entries(nowMs)) {
        if (family.signIn.sid !== sid) continue;
        families.delete(id);
        revoked += 1;
      }
      return revoked;
    },
  };
}
