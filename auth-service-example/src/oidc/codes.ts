import { err, ok, type Result } from '../result.ts';
import { expiringMap } from './expiring-map.ts';
import { randomToken, storageKey, type SignIn } from './sign-in.ts';

/**
 * Authorization codes (RFC 6749 §4.1.2): single use, short-lived, bound to the client, the redirect URI
 * and the PKCE challenge of the request. A redeemed code is remembered a while longer, so that a second
 * use is recognised (and its tokens revoked, §4.1.2) rather than merely refused as unknown.
 */

export interface CodeGrant {
  readonly signIn: SignIn;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly nonce: string;
  /** The refresh-token family its tokens join, so that a reuse can revoke them. */
  readonly familyId: string;
}

export type Redemption = Result<CodeGrant, { readonly reason: 'unknown' } | { readonly reason: 'reused'; readonly familyId: string }>;

export interface CodeStore {
  issue(grant: Omit<CodeGrant, 'familyId'>, nowMs: number): string;
  /** Takes the code out of use, whatever happens next: the first presentation is the only one. */
  redeem(code: string, nowMs: number): Redemption;
}

export interface CodeStoreOptions {
  readonly ttlS: number;
  /** How long a redeemed code is remembered to catch its reuse. */
  readonly reuseWindowS: number;
  readonly maxEntries?: number;
}

export function codeStore(options: CodeStoreOptions): CodeStore {
  const codes = expiringMap<{ grant: CodeGrant; redeemed: boolean }>(options.maxEntries ?? 10_000);
  return {
    issue(grant, nowMs) {
      const code = randomToken();
      codes.set(storageKey(code), { grant: { ...grant, familyId: randomToken() }, redeemed: false }, nowMs + options.ttlS * 1000, nowMs);
      return code;
    },
    redeem(code, nowMs) {
      const key = storageKey(code);
      const entry = codes.get(key, nowMs);
      if (entry === undefined) return err({ reason: 'unknown' });
      if (entry.redeemed) return err({ reason: 'reused', familyId: entry.grant.familyId });
      codes.set(key, { ...entry, redeemed: true }, nowMs + options.reuseWindowS * 1000, nowMs);
      return ok(entry.grant);
    },
  };
}
