import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions, type ProtectedHeaderParameters } from 'jose';
import type { Verdict } from '../identity.ts';
import type { JwtConfig } from '../settings.ts';
import { identityFromClaims } from './claims.ts';
import type { KeySet } from './key-set.ts';
import { retryAfterS } from './key-set-timing.ts';
import { describeRejection, quote, type Rejection } from './rejections.ts';

/**
 * One token checked against the provider's keys, with no call per token: the signature (an algorithm
 * `--auth-algorithms` allows, a key from the key set), `iss`, `aud`, `exp` (required) and `nbf` within the
 * clock tolerance, and a lifetime within `--auth-max-token-lifetime`. The audience is what keeps out a
 * token the same provider issued for another client, an ID token included (whose `typ` is also `JWT`).
 */

export interface VerifySettings extends Pick<JwtConfig, 'issuer' | 'audiences' | 'algorithms' | 'clockToleranceS' | 'maxTokenLifetimeS'> {
  readonly groupsClaim: string;
  readonly now?: () => number;
}

export interface JwtVerification {
  readonly verdict: Verdict;
  /** Why a token was refused (the verdict is then `rejected`), in words with no token in them. */
  readonly rejection?: Rejection;
  /** The header, when the token had a readable one (check-auth shows alg and kid). */
  readonly header?: ProtectedHeaderParameters;
  /** The claims, once the signature checked out. */
  readonly payload?: JWTPayload;
  /** Why no keys were usable (the verdict is then `failed`), for the log: it may name the provider's URL. */
  readonly noKeys?: string;
}

/**
 * RFC 9068's `at+jwt` or plain `JWT` (RFC 7519 §5.1 lets `application/` be dropped and case vary), or no
 * `typ` at all. Any other type is a different kind of JWT (a logout token, a DPoP proof) and never an
 * access token.
 */
const ACCESS_TOKEN_TYPES = new Set(['jwt', 'at+jwt', 'application/jwt', 'application/at+jwt']);

/** A token naming no `kid` is tried against at most this many keys: each try costs a signature check. */
export const MAX_KEYS_TRIED_WITHOUT_KID = 4;

const PUBLIC_UNAVAILABLE = "the identity provider's signing keys could not be fetched";

export async function verifyJwt(token: string, keySet: KeySet, settings: VerifySettings): Promise<JwtVerification> {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return rejected({ code: 'malformed', detail: 'not a JWS compact serialisation (three base64url parts with a JSON header)' });
  }
  if (token.split('.').length !== 3) return rejected({ code: 'malformed', detail: 'not a JWS compact serialisation (three base64url parts)' }, header);
  if (header.typ !== undefined && !ACCESS_TOKEN_TYPES.has(String(header.typ).toLowerCase())) {
    return rejected({ code: 'typ', detail: `typ was ${quote(header.typ)}; expected JWT or at+jwt (an access token)` }, header);
  }
  const alg = typeof header.alg === 'string' ? header.alg : undefined;
  if (alg === undefined || !settings.algorithms.includes(alg)) {
    return rejected({ code: 'algorithm', detail: `alg was ${quote(header.alg)}; --auth-algorithms allows ${settings.algorithms.join(', ')}` }, header);
  }

  let keys = keySet.keys();
  if (!keys.ok) return unavailable(keys, header);
  let outcome = await attempt(token, keys.getKey, settings);
  if (outcome.kind === 'unknown-kid') {
    // The provider may have rotated its keys since the last fetch; the key set bounds how often this asks.
    keys = await keySet.refetchForUnknownKid(typeof header.kid === 'string' ? header.kid : undefined);
    if (!keys.ok) return unavailable(keys, header);
    outcome = await attempt(token, keys.getKey, settings);
  }
  if (outcome.kind === 'unknown-kid') {
    // The fetch that would have brought a rotated key failed: the token may be fine, so 503, never 401.
    const { lastError, nextFetchAtMs } = keySet.state();
    const kidHeld = typeof header.kid === 'string' && keys.kids.has(header.kid);
    if (lastError !== undefined && !kidHeld) {
      const untilMs = nextFetchAtMs === undefined ? 0 : nextFetchAtMs - (settings.now?.() ?? Date.now());
      return unavailable({ reason: `no key for kid ${quote(header.kid)}: fetching the key set again fails (${lastError})`, retryAfterS: retryAfterS(untilMs) }, header);
    }
    const detail = header.kid === undefined ? 'no key in the key set fits its alg' : `kid ${quote(header.kid)} is not in the key set, even after fetching it again`;
    return rejected({ code: 'unknown-kid', detail }, header);
  }
  if (outcome.kind === 'refused') return rejected(outcome.rejection, header, outcome.payload);
  return accept(outcome.payload, header, settings);
}

type Attempt =
  | { readonly kind: 'verified'; readonly payload: JWTPayload }
  | { readonly kind: 'unknown-kid' }
  | { readonly kind: 'refused'; readonly rejection: Rejection; readonly payload?: JWTPayload };

async function attempt(token: string, getKey: JWTVerifyGetKey, settings: VerifySettings): Promise<Attempt> {
  const options: JWTVerifyOptions = {
    issuer: settings.issuer,
    audience: [...settings.audiences],
    algorithms: [...settings.algorithms],
    clockTolerance: settings.clockToleranceS,
    // RFC 9068 §2.2 requires both of a JWT access token; a user's revocation refuses tokens by their iat.
    requiredClaims: ['exp', 'iat'],
    ...(settings.now ? { currentDate: new Date(settings.now()) } : {}),
  };
  try {
    return { kind: 'verified', payload: (await jwtVerify(token, getKey, options)).payload };
  } catch (e) {
    if (e instanceof errors.JWKSNoMatchingKey) return { kind: 'unknown-kid' };
    if (e instanceof errors.JWKSMultipleMatchingKeys) return tryEach(token, e, options, settings);
    return { kind: 'refused', ...describeRejection(e, settings) };
  }
}

/** No `kid`, several keys of its type: jose hands over the candidates and leaves the trying to the caller. */
async function tryEach(token: string, multiple: errors.JWKSMultipleMatchingKeys, options: JWTVerifyOptions, settings: VerifySettings): Promise<Attempt> {
  let tried = 0;
  let last: unknown;
  for await (const key of multiple) {
    if (tried++ === MAX_KEYS_TRIED_WITHOUT_KID) break;
    try {
      return { kind: 'verified', payload: (await jwtVerify(token, key, options)).payload };
    } catch (e) {
      last = e;
      // Only a signature that fails this key says to try the next; an expired token fails them all alike.
      if (!(e instanceof errors.JWSSignatureVerificationFailed)) break;
    }
  }
  if (last === undefined || last instanceof errors.JWSSignatureVerificationFailed) {
    return { kind: 'refused', rejection: { code: 'signature', detail: `it names no kid and its signature fits none of the first ${Math.min(tried, MAX_KEYS_TRIED_WITHOUT_KID)} keys of its type` } };
  }
  return { kind: 'refused', ...describeRejection(last, settings) };
}

function accept(payload: JWTPayload, header: ProtectedHeaderParameters, settings: VerifySettings): JwtVerification {
  const nowS = Math.floor((settings.now?.() ?? Date.now()) / 1000);
  // jwtVerify required exp and iat and checked they are numbers.
  const exp = payload.exp!;
  const iat = payload.iat!;
  if (iat > nowS + settings.clockToleranceS) {
    // A token from the future would slip past a user's revocation, which refuses tokens issued before it.
    return rejected({ code: 'issued-in-future', detail: `iat is ${iat - nowS} s in the future, beyond --auth-clock-tolerance ${settings.clockToleranceS} s` }, header, payload);
  }
  const lifetimeS = exp - iat;
  if (lifetimeS > settings.maxTokenLifetimeS) {
    return rejected({ code: 'lifetime', detail: `it is valid ${lifetimeS} s from its iat, beyond --auth-max-token-lifetime ${settings.maxTokenLifetimeS} s` }, header, payload);
  }
  const identity = identityFromClaims(payload, settings.groupsClaim);
  if (!identity.ok) return { verdict: { kind: 'failed', failure: { kind: 'violation', reason: identity.error } }, header, payload };
  return {
    verdict: { kind: 'valid', identity: identity.value, freshness: { expiresAtMs: exp * 1000, expiresAtField: 'exp', noStore: false } },
    header,
    payload,
  };
}

function rejected(rejection: Rejection, header?: ProtectedHeaderParameters, payload?: JWTPayload): JwtVerification {
  return { verdict: { kind: 'rejected', status: 401 }, rejection, ...(header ? { header } : {}), ...(payload ? { payload } : {}) };
}

/** No keys to check with: the token may be fine, so 503 with Retry-After, never 401. */
function unavailable(keys: { reason: string; retryAfterS: number }, header: ProtectedHeaderParameters): JwtVerification {
  return { verdict: { kind: 'failed', failure: { kind: 'unavailable', reason: PUBLIC_UNAVAILABLE, retryAfterS: keys.retryAfterS } }, header, noKeys: keys.reason };
}
