import type { AnswerShape } from './answer-shape.ts';

/**
 * What an identity service can say about a token, as values: the protocols produce them, the cache keeps
 * some of them, and the middleware turns them into a caller or a problem response.
 */

/**
 * Who holds a token: a person, or a machine client (a service holding a client-credentials token, whose
 * id is its OAuth client id because no person stands behind it).
 */
export type PrincipalKind = 'person' | 'client';

export interface Identity {
  readonly kind: PrincipalKind;
  readonly userId: string;
  readonly name?: string;
  readonly email?: string;
  readonly groups: readonly string[];
  readonly scopes: readonly string[];
  /** jwt: the token's `iat`, in seconds; a user's revocation refuses the tokens issued before it. */
  readonly issuedAtS?: number;
}

/** What one answer says about how long it may be kept; `ttl.ts` turns it into a duration. */
export interface Freshness {
  /** The body's own `ttl`, in seconds. */
  readonly ttlS?: number;
  /** `Cache-Control: max-age`, in seconds. */
  readonly maxAgeS?: number;
  /** When the token stops being valid (`expiresAt`, or introspection's `exp`), in ms since the epoch. */
  readonly expiresAtMs?: number;
  /** Which field named the expiry, for check-auth's report. */
  readonly expiresAtField?: 'expiresAt' | 'exp';
  /** `Cache-Control: no-store` or `no-cache`. */
  readonly noStore: boolean;
}

/** The identity service could not give an answer: the token may be fine, so the caller never gets a 401. */
export interface ServiceUnavailable {
  readonly kind: 'unavailable';
  /** For people: what happened, without hosts or secrets (it reaches the caller). */
  readonly reason: string;
  /** The service's own `Retry-After` in seconds, when it sent a usable one. */
  readonly retryAfterS?: number;
  readonly status?: number;
}

/** The identity service answered, but not as its protocol says: a wiring mistake for the deployer (502). */
export interface ContractViolation {
  readonly kind: 'violation';
  /** `at .userId: expected a non-empty string`, or `with status 404; expected …`. */
  readonly reason: string;
  readonly status?: number;
  /** What the answer looked like, never what it said (answer-shape.ts), for the log and check-auth. */
  readonly answer?: AnswerShape;
}

/**
 * Formgate did not call the identity service: `--auth-max-calls` calls were in flight and none ended in
 * time. Like `unavailable`, the token may be fine (503, never 401); unlike it, the service was not asked.
 */
export interface CallRefused {
  readonly kind: 'refused';
  /** For people, as `unavailable`'s. */
  readonly reason: string;
  readonly retryAfterS?: number;
}

export type ServiceFailure = ServiceUnavailable | CallRefused | ContractViolation;

export type Verdict =
  | { readonly kind: 'valid'; readonly identity: Identity; readonly freshness: Freshness }
  | { readonly kind: 'rejected'; readonly status: number }
  | { readonly kind: 'failed'; readonly failure: ServiceFailure };

export const CONTRACT_PREFIX = "The identity service didn't respond as expected";

/** The sentence a 502 carries and check-auth prints. */
export function describeViolation(violation: ContractViolation): string {
  return `${CONTRACT_PREFIX} ${violation.reason}`;
}
