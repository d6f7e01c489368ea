import { pino } from 'pino';
import type { JWTPayload, ProtectedHeaderParameters } from 'jose';
import { describeViolation, type Verdict } from '../identity.ts';
import { cacheTtl, type CacheTtl } from '../ttl.ts';
import { keySetFor, verifySettingsFor, type JwtAuth } from './checker.ts';
import type { KeySetState } from './key-set.ts';
import { dateOf, formatDuration, quote, type Rejection } from './rejections.ts';
import { verifyJwt } from './verify.ts';

/**
 * `formgate check-auth --auth-protocol jwt`: fetches the key set as `serve` does at startup, checks one
 * token as `serve` would, and prints the claims the check used. Never the token itself.
 */

export interface JwtCheckReport {
  readonly keySet: KeySetState;
  readonly fetchMs: number;
  readonly verdict: Verdict;
  readonly rejection?: Rejection;
  readonly header?: ProtectedHeaderParameters;
  readonly payload?: JWTPayload;
  readonly checkMs: number;
  readonly ttl?: CacheTtl;
}

export async function checkJwt(auth: JwtAuth, token: string): Promise<JwtCheckReport> {
  // What went wrong is in the report, from the key set's state: its log lines would only repeat it.
  const keySet = keySetFor(auth, { logger: pino({ level: 'silent' }) });
  const fetchStarted = performance.now();
  await keySet.start();
  const fetchMs = roundMs(performance.now() - fetchStarted);
  try {
    const started = performance.now();
    const checked = await verifyJwt(token, keySet, verifySettingsFor(auth));
    const checkMs = roundMs(performance.now() - started);
    const ttl = checked.verdict.kind === 'valid' ? cacheTtl(checked.verdict.freshness, Date.now(), auth.cache) : undefined;
    return { keySet: keySet.state(), fetchMs, checkMs, ...checked, ...(ttl ? { ttl } : {}) };
  } finally {
    keySet.stop();
  }
}

/** Where the keys come from, as the report's first line says it. */
export function describeKeySource(auth: JwtAuth): string {
  const { jwt } = auth;
  if (jwt.jwksUrl !== undefined) return `${jwt.jwksUrl} (--auth-jwks-url)`;
  return `jwks_uri of ${jwt.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

export function keySetLine(auth: JwtAuth, report: JwtCheckReport): { line: string; ok: boolean } {
  const { keySet } = report;
  if (keySet.fetchedAtMs === undefined || keySet.keys === 0) {
    return { line: `key set:   FAIL, ${describeKeySource(auth)}: ${keySet.lastError ?? 'no keys'}`, ok: false };
  }
  const where = keySet.jwksUrl === undefined ? describeKeySource(auth) : keySet.jwksUrl;
  const kids = keySet.kids.length === 0 ? '' : ` (kid ${keySet.kids.map((k) => quote(k)).join(', ')})`;
  const skipped = keySet.skippedKeys.length === 0 ? '' : `; skipped ${keySet.skippedKeys.slice(0, 5).map((k) => `${k.kid === undefined ? 'a key without kid' : `kid ${quote(k.kid)}`} (${k.reason})`).join(', ')}${keySet.skippedKeys.length > 5 ? ` and ${keySet.skippedKeys.length - 5} more` : ''}`;
  return { line: `key set:   ${where}, ${keySet.keys} key(s)${kids}${skipped}, fetched in ${report.fetchMs} ms`, ok: true };
}

/** The claims the check read, one per line, as they were in the token. */
export function claimLines(auth: JwtAuth, report: JwtCheckReport): string[] {
  const { header, payload } = report;
  const lines: string[] = [];
  if (header !== undefined) lines.push(`alg ${quote(header.alg)}, kid ${header.kid === undefined ? 'none' : quote(header.kid)}${header.typ === undefined ? '' : `, typ ${quote(header.typ)}`}`);
  if (payload !== undefined) {
    const nowS = Date.now() / 1000;
    const at = (s: unknown) => (typeof s === 'number' ? `${dateOf(s)} (${s > nowS ? `in ${formatDuration(s - nowS)}` : `${formatDuration(nowS - s)} ago`})` : quote(s));
    lines.push(`iss ${quote(payload.iss)}`, `aud ${quote(payload.aud)}`);
    if (payload.sub !== undefined) lines.push(`sub ${quote(payload.sub)}`);
    else if (payload.client_id !== undefined) lines.push(`client_id ${quote(payload.client_id)} (no sub)`);
    else lines.push('sub none, client_id none');
    lines.push(`exp ${at(payload.exp)}`);
    if (payload.nbf !== undefined) lines.push(`nbf ${at(payload.nbf)}`);
    if (payload.iat !== undefined) lines.push(`iat ${at(payload.iat)}`);
    if (payload.scope !== undefined) lines.push(`scope ${quote(payload.scope)}`);
    if (payload.scp !== undefined) lines.push(`scp ${quote(payload.scp)}`);
    const groups = groupsValue(payload, auth.groupsClaim);
    lines.push(`groups claim ${auth.groupsClaim}: ${groups === undefined ? 'absent' : quote(groups)}`);
  }
  return lines.map((l, i) => (i === 0 ? `claims:    ${l}` : `           ${l}`));
}

function groupsValue(payload: JWTPayload, claim: string): unknown {
  if (Object.hasOwn(payload, claim)) return payload[claim];
  let value: unknown = payload;
  for (const key of claim.split('.')) {
    value = value !== null && typeof value === 'object' && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

/** The token line and what follows it, for a report whose verdict is not `valid`. */
export function refusalLines(report: JwtCheckReport): string[] {
  const { verdict, rejection } = report;
  if (verdict.kind === 'rejected') return [`token:     REJECTED, callers with this token get 401: ${rejection?.detail ?? 'refused'}`];
  if (verdict.kind !== 'failed') return [];
  if (verdict.failure.kind === 'violation') return ['token:     CONTRACT VIOLATION, callers would get 502', `           ${describeViolation(verdict.failure)}`];
  return [`token:     UNAVAILABLE, callers would get 503 (Retry-After ${verdict.failure.retryAfterS ?? 1} s): ${verdict.failure.reason}`];
}

function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}
