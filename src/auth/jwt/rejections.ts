import { errors, type JWTPayload } from 'jose';
import type { JwtConfig } from '../settings.ts';

/**
 * Why a token was refused, in words for a log line and check-auth: never the token, only what its header
 * and verified claims said against what the flags expect.
 */

export type RejectionCode =
  | 'malformed'
  | 'typ'
  | 'algorithm'
  | 'unknown-kid'
  | 'signature'
  | 'expired'
  | 'not-yet-valid'
  | 'issuer'
  | 'audience'
  | 'no-exp'
  | 'no-iat'
  | 'issued-in-future'
  | 'lifetime'
  | 'claims';

export interface Rejection {
  readonly code: RejectionCode;
  readonly detail: string;
}

/**
 * What a refusal most likely means: a token past its time or with a broken signature is everyday life
 * (debug); a token for another issuer, audience or algorithm, or signed by keys the key set does not hold
 * even after fetching it again (another provider's), is a wiring mistake the deployer should hear of (warn).
 */
export function isWiringMistake(code: RejectionCode): boolean {
  return ['typ', 'algorithm', 'unknown-kid', 'issuer', 'audience', 'no-exp', 'no-iat', 'lifetime', 'issued-in-future'].includes(code);
}

type Expected = Pick<JwtConfig, 'issuer' | 'audiences' | 'clockToleranceS'> & { readonly now?: () => number };

/** jose's error as a rejection, with the verified claims when the signature checked out before a claim failed. */
export function describeRejection(e: unknown, expected: Expected): { rejection: Rejection; payload?: JWTPayload } {
  if (e instanceof errors.JWSSignatureVerificationFailed) return { rejection: { code: 'signature', detail: 'its signature does not fit the key its kid and alg select' } };
  if (e instanceof errors.JOSEAlgNotAllowed) return { rejection: { code: 'algorithm', detail: 'its alg is not allowed by --auth-algorithms' } };
  if (e instanceof errors.JWTExpired) return { rejection: { code: 'expired', detail: expiredDetail(e.payload, expected) }, payload: e.payload };
  if (e instanceof errors.JWTClaimValidationFailed) return { rejection: claimRejection(e, expected), payload: e.payload };
  if (e instanceof errors.JOSEError) return { rejection: { code: 'malformed', detail: `jose refused it (${e.code})` } };
  return { rejection: { code: 'malformed', detail: 'it could not be read as a JWT' } };
}

function claimRejection(e: errors.JWTClaimValidationFailed, expected: Expected): Rejection {
  const { claim, reason, payload } = e;
  if (claim === 'exp' && reason === 'missing') return { code: 'no-exp', detail: 'it has no exp; Formgate accepts only tokens that expire' };
  if (claim === 'iat' && reason === 'missing') return { code: 'no-iat', detail: 'it has no iat; RFC 9068 requires it of access tokens, and a revocation of its user could not tell it from a later token' };
  if (claim === 'nbf' && reason === 'check_failed') {
    const nbf = payload.nbf!;
    return { code: 'not-yet-valid', detail: `not valid before ${dateOf(nbf)}, ${formatDuration(nbf - nowS(expected))} from now (--auth-clock-tolerance ${expected.clockToleranceS} s)` };
  }
  if (claim === 'iss') return { code: 'issuer', detail: `iss was ${quote(payload.iss)}, expected ${quote(expected.issuer)} (--auth-issuer)` };
  if (claim === 'aud') return { code: 'audience', detail: `aud was ${quote(payload.aud)}, expected ${expected.audiences.map((a) => quote(a)).join(' or ')} (--auth-audience)` };
  return { code: 'claims', detail: `its ${claim} claim is ${reason === 'missing' ? 'missing' : 'not valid'} (${e.message})` };
}

function expiredDetail(payload: JWTPayload, expected: Expected): string {
  const exp = payload.exp!;
  return `expired ${formatDuration(nowS(expected) - exp)} ago, at ${dateOf(exp)} (--auth-clock-tolerance ${expected.clockToleranceS} s)`;
}

function nowS(expected: Expected): number {
  return Math.floor((expected.now?.() ?? Date.now()) / 1000);
}

/** A NumericDate as RFC 3339, or the number itself when it names no representable date. */
export function dateOf(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString().replace('.000Z', 'Z');
}

/** `42 s`, `3 min 5 s`, `2 h 10 min`, `3 d 4 h`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 === 0 ? '' : ` ${s % 60} s`}`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) === 0 ? '' : ` ${Math.floor((s % 3600) / 60)} min`}`;
  return `${Math.floor(s / 86_400)} d${Math.floor((s % 86_400) / 3600) === 0 ? '' : ` ${Math.floor((s % 86_400) / 3600)} h`}`;
}

/** A claim or header value as shown in a log line: quoted, and short, since the token's author chose it. */
export function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
