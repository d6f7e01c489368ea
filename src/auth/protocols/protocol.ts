import type { Freshness, ServiceFailure, Verdict } from '../identity.ts';
import { parseCacheControl } from '../ttl.ts';

/** The ways of asking an identity service about a token over HTTP, one call per token not yet cached. */
export const HTTP_PROTOCOLS = ['formgate', 'oidc', 'introspection'] as const;
export type HttpProtocol = (typeof HTTP_PROTOCOLS)[number];

/** Every way Formgate knows of checking a token (`--auth-protocol`): over HTTP, or `jwt`, locally against the provider's keys. */
export const AUTH_PROTOCOLS = [...HTTP_PROTOCOLS, 'jwt'] as const;
export type AuthProtocol = (typeof AUTH_PROTOCOLS)[number];

/** One way of asking an identity service about a token: how to ask, and how to read the answer. */
export interface Protocol {
  readonly name: HttpProtocol;
  /** The answer members this protocol reads: the only member names a log line may show (answer-shape.ts). */
  readonly members: readonly string[];
  request(token: string): OutgoingRequest;
  /** Never throws: every answer becomes a verdict. */
  interpret(answer: Answer): Verdict;
}

export interface OutgoingRequest {
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string;
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

/** What an error answer (RFC 6749 §5.2, RFC 6750 §3) names, read by no protocol but worth seeing in a log. */
export const ERROR_MEMBERS = ['error', 'error_description'] as const;

/** The top-level members the groups claim can name: its exact name, or the first step of a dotted path. */
export function groupsClaimMembers(claim: string): string[] {
  return [...new Set([claim, claim.split('.')[0] ?? claim])];
}

/** Statuses every protocol reads alike: 429 and 5xx mean the service is failing now, not that the token is bad. */
export function failureForStatus(answer: Answer, expected: string): ServiceFailure {
  const { status } = answer;
  if (status === 429 || (status >= 500 && status <= 599)) {
    const retryAfterS = parseRetryAfter(answer.headers.get('retry-after'));
    return { kind: 'unavailable', reason: `the identity service answered ${status}`, status, ...(retryAfterS === undefined ? {} : { retryAfterS }) };
  }
  const redirect = status >= 300 && status < 400 ? ' (a redirect: point the URL at the endpoint itself)' : '';
  return { kind: 'violation', reason: `with status ${status}${redirect}; expected ${expected}`, status };
}

export function failed(failure: ServiceFailure): Verdict {
  return { kind: 'failed', failure };
}

export function violation(reason: string, status: number): Verdict {
  return failed({ kind: 'violation', reason, status });
}

const MAX_RETRY_AFTER_S = 300;

/** RFC 9110's preferred date form (`Sun, 06 Nov 1994 08:49:37 GMT`); Date.parse alone would take `-5` for a date. */
const HTTP_DATE = /^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$/;

/** `Retry-After` as seconds (a number or an HTTP date), kept within 1 s to 5 min; undefined if unusable. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  let seconds: number;
  if (/^[0-9]+$/.test(trimmed)) seconds = Number(trimmed);
  else if (!HTTP_DATE.test(trimmed)) return undefined;
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    seconds = Math.ceil((at - nowMs) / 1000);
  }
  return Math.min(MAX_RETRY_AFTER_S, Math.max(1, seconds));
}

/** The caching directives of an answer, with whatever the body said about its own lifetime. */
export function freshnessOf(answer: Answer, fromBody: Omit<Freshness, 'noStore' | 'maxAgeS'>): Freshness {
  const cacheControl = parseCacheControl(answer.headers.get('cache-control'));
  return { ...fromBody, ...cacheControl };
}
