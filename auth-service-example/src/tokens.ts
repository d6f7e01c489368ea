import { randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT, type JWTHeaderParameters } from 'jose';
import { z } from 'zod';
import { SIGNING_ALGORITHM, type SigningKey } from './keys.ts';
import type { Principal } from './principals.ts';
import { err, ok, type Result } from './result.ts';

/**
 * Access tokens: JWTs signed with the service's Ed25519 key, for the audience `formgate`. Verifying one
 * checks the signature, the key id, the issuer, the audience and the lifetime against the given clock.
 */

export const AUDIENCE = 'formgate';

export interface TokenSettings {
  readonly key: SigningKey;
  readonly issuer: string;
}

export interface IssuedToken {
  readonly token: string;
  readonly expiresInS: number;
  /** Space-separated, as OAuth writes scopes; absent when none were granted. */
  readonly scope?: string;
}

export async function issueAccessToken(settings: TokenSettings & { readonly ttlS: number }, principal: Principal, scopes: readonly string[], nowMs: number): Promise<IssuedToken> {
  const iat = Math.floor(nowMs / 1000);
  const scope = scopes.length === 0 ? undefined : scopes.join(' ');
  const token = await new SignJWT({
    ...(principal.displayName === undefined ? {} : { name: principal.displayName }),
    ...(principal.email === undefined ? {} : { email: principal.email }),
    preferred_username: principal.name,
    groups: [...principal.groups],
    ...(scope === undefined ? {} : { scope }),
  })
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: settings.key.kid, typ: 'JWT' })
    .setIssuer(settings.issuer)
    .setSubject(principal.subject)
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + settings.ttlS)
    .setJti(randomUUID())
    .sign(settings.key.privateKey);
  return { token, expiresInS: settings.ttlS, ...(scope === undefined ? {} : { scope }) };
}

export interface VerifiedToken {
  readonly sub: string;
  readonly iss: string;
  readonly iat: number;
  /** Seconds since the epoch. */
  readonly exp: number;
  readonly jti: string;
  readonly scope?: string;
}

/** Why a token is refused; safe to tell the caller (it says nothing about the directory). */
export type TokenRejection = 'malformed' | 'unknown key' | 'bad signature' | 'expired' | 'not yet valid' | 'wrong issuer' | 'wrong audience';

/** 9999-12-31T23:59:59Z: the last second an RFC 3339 date can name. */
export const MAX_NUMERIC_DATE = 253_402_300_799;

// JWT dates are seconds (RFC 7519 §2). Whole ones within what a date can say, so that a token with a
// fractional or absurd time is refused instead of answered with milliseconds or failing to print.
const NumericDate = z.int().min(0).max(MAX_NUMERIC_DATE);

const Claims = z.object({
  sub: z.string().min(1),
  iss: z.string(),
  iat: NumericDate,
  exp: NumericDate,
  nbf: NumericDate.optional(),
  jti: z.string().min(1),
  scope: z.string().optional(),
});

class UnknownKey extends Error {}

export async function verifyAccessToken(settings: TokenSettings, token: string, nowMs: number): Promise<Result<VerifiedToken, TokenRejection>> {
  const keyFor = (header: JWTHeaderParameters) => {
    if (header.kid !== settings.key.kid) throw new UnknownKey();
    return settings.key.publicKey;
  };
  try {
    const { payload } = await jwtVerify(token, keyFor, {
      algorithms: [SIGNING_ALGORITHM],
      issuer: settings.issuer,
      audience: AUDIENCE,
      currentDate: new Date(nowMs),
      requiredClaims: ['sub', 'iat', 'exp', 'jti'],
    });
    const claims = Claims.safeParse(payload);
    return claims.success ? ok(claims.data) : err('malformed');
  } catch (e) {
    return err(rejectionOf(e));
  }
}

function rejectionOf(e: unknown): TokenRejection {
  if (e instanceof UnknownKey) return 'unknown key';
  if (e instanceof errors.JWTExpired) return 'expired';
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'iss') return 'wrong issuer';
    if (e.claim === 'aud') return 'wrong audience';
    if (e.claim === 'nbf' || e.claim === 'iat') return 'not yet valid';
    return 'malformed';
  }
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  // A token in another algorithm is a forgery attempt or a token from elsewhere: either way not ours.
  if (e instanceof errors.JOSEAlgNotAllowed) return 'unknown key';
  if (e instanceof errors.JOSEError || e instanceof TypeError) return 'malformed';
  throw e;
}

/** Seconds a verified token has left at `nowMs`, never negative. */
export function secondsLeft(token: Pick<VerifiedToken, 'exp'>, nowMs: number): number {
  return Math.max(0, Math.floor((token.exp * 1000 - nowMs) / 1000));
}
