import { createHash, timingSafeEqual } from 'node:crypto';

/** PKCE (RFC 7636) with S256 only: `plain` would hand the verifier to anyone who sees the request. */

// §4.1 and §4.2: 43 to 128 unreserved characters; an S256 challenge is 43 base64url characters.
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export const isCodeChallenge = (value: string) => S256_CHALLENGE.test(value);

export function verifierMatches(verifier: string, challenge: string): boolean {
  if (!VERIFIER.test(verifier)) return false;
  const computed = Buffer.from(createHash('sha256').update(verifier, 'ascii').digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}
