import type { AuthConfig } from './settings.ts';
import { endpointAnswers, probe, type CheckOutcome } from '../health/check.ts';
import { describeShape } from './answer-shape.ts';
import { askIdentityService } from './call.ts';
import { describeViolation, type Identity, type Verdict } from './identity.ts';
import { protocolFor } from './protocols/index.ts';
import { cacheTtl, type CacheTtl } from './ttl.ts';
import type { JwtAuth } from './jwt/checker.ts';
import { checkJwt, claimLines, describeKeySource, keySetLine, refusalLines } from './jwt/check-jwt.ts';

/**
 * `formgate check-auth`: for a deployer wiring up an identity service. It looks at the service's health,
 * validates one token exactly as `serve` would, and says what Formgate would make of the answer.
 */

export type HttpAuth = AuthConfig & { readonly url: string };

/** What check-auth can check: an identity service at a URL, or JWTs against a provider's keys. */
export type CheckAuthTarget = HttpAuth | JwtAuth;

function isJwt(target: CheckAuthTarget): target is JwtAuth {
  return target.jwt !== undefined;
}

/** Runs the check the flags describe; the report as text, and whether everything passed (exit 0). */
export async function runCheckAuth(target: CheckAuthTarget, token: string): Promise<{ text: string; ok: boolean }> {
  if (isJwt(target)) {
    const health = await healthOf(target);
    return formatJwtReport(target, health, await checkJwt(target, token));
  }
  return formatReport(target, await checkAuth(target, token));
}

function healthOf(auth: AuthConfig): Promise<CheckOutcome | 'skipped'> {
  const { healthUrl } = auth;
  return healthUrl === null ? Promise.resolve('skipped') : probe(() => endpointAnswers(healthUrl, auth.timeoutMs), auth.timeoutMs);
}

export interface CheckAuthReport {
  readonly health: CheckOutcome | 'skipped';
  readonly verdict: Verdict;
  readonly durationMs: number;
  /** How long `serve` would keep the identity, when there is one. */
  readonly ttl?: CacheTtl;
}

export async function checkAuth(auth: HttpAuth, token: string): Promise<CheckAuthReport> {
  const health = await healthOf(auth);
  const started = performance.now();
  const verdict = await askIdentityService(protocolFor(auth), token, { url: auth.url, timeoutMs: auth.timeoutMs });
  const durationMs = Math.round((performance.now() - started) * 10) / 10;
  const ttl = verdict.kind === 'valid' ? cacheTtl(verdict.freshness, Date.now(), auth.cache) : undefined;
  return { health, verdict, durationMs, ...(ttl ? { ttl } : {}) };
}

const TTL_REASON: Record<CacheTtl['decidedBy'], string> = {
  ttl: "the answer's ttl",
  'max-age': 'Cache-Control: max-age',
  expiresAt: "the answer's expiresAt",
  exp: "the token's exp",
  'max-ttl': '--auth-cache-max-ttl',
  default: 'no lifetime in the answer, so --auth-cache-default-ttl',
  'no-store': 'Cache-Control: no-store or no-cache',
};

/** The report as lines for a terminal, and whether everything passed (exit 0). */
export function formatReport(auth: HttpAuth, report: CheckAuthReport): { text: string; ok: boolean } {
  const lines = [`identity service: ${auth.url} (protocol ${auth.protocol})`];
  let ok = healthLines(auth, report.health, lines, '(--auth-health-url none)');

  const { verdict } = report;
  if (verdict.kind === 'valid') {
    lines.push(`token:     valid (answered in ${report.durationMs} ms)`);
    lines.push(...identityLines(verdict.identity, report.ttl, 'every request would ask the service'));
  } else if (verdict.kind === 'rejected') {
    ok = false;
    lines.push(`token:     REJECTED, the service answered ${verdict.status}: callers with this token get 401`);
  } else if (verdict.failure.kind === 'violation') {
    ok = false;
    lines.push(`token:     CONTRACT VIOLATION, callers would get 502`);
    lines.push(`           ${describeViolation(verdict.failure)}`);
    if (verdict.failure.status !== undefined) lines.push(`           status ${verdict.failure.status}${verdict.failure.answer ? `, body ${describeShape(verdict.failure.answer)}` : ''}`);
  } else {
    ok = false;
    lines.push(`token:     UNAVAILABLE, callers would get 503: ${verdict.failure.reason}`);
  }
  lines.push(ok ? 'result:    OK' : 'result:    FAILED');
  return { text: lines.join('\n') + '\n', ok };
}

/** The health line; false when the health endpoint failed. */
function healthLines(auth: AuthConfig, health: CheckOutcome | 'skipped', lines: string[], skipped: string): boolean {
  if (health === 'skipped') lines.push(`health:    skipped ${skipped}`);
  else if (health.status === 'pass') lines.push(`health:    pass, ${auth.healthUrl} answered 2xx in ${health.durationMs} ms`);
  else {
    lines.push(`health:    FAIL, ${auth.healthUrl}: ${health.reason ?? health.output}`);
    return false;
  }
  return true;
}

function identityLines(identity: Identity, ttl: CacheTtl = { ms: 0, decidedBy: 'no-store' }, notKept: string): string[] {
  const { kind, issuedAtS: _issuedAtS, ...shown } = identity;
  const lines = [`identity:  ${JSON.stringify(shown)}`];
  // Only the exception is named: a deployer reading a person's report needs no new line to skip.
  if (kind === 'client') lines.push('kind:      client (a machine client: the token names no sub or username, so its id is its client_id)');
  lines.push(ttl.ms > 0 ? `cache:     kept ${formatSeconds(ttl.ms)} (decided by ${TTL_REASON[ttl.decidedBy]})` : `cache:     not kept (${TTL_REASON[ttl.decidedBy]}); ${notKept}`);
  return lines;
}

/** The jwt report: the key set, the claims the check read, and what serve would make of them. */
export function formatJwtReport(auth: JwtAuth, health: CheckOutcome | 'skipped', report: Awaited<ReturnType<typeof checkJwt>>): { text: string; ok: boolean } {
  const { jwt } = auth;
  const lines = [`identity service: jwt, issuer ${jwt.issuer}, audience ${jwt.audiences.join(', ')}, keys from ${describeKeySource(auth)}`];
  let ok = healthLines(auth, health, lines, '(jwt: the key set is checked instead; --auth-health-url names an endpoint to check)');
  const keys = keySetLine(auth, report);
  lines.push(keys.line);
  ok &&= keys.ok;
  const { verdict } = report;
  if (verdict.kind === 'valid') {
    lines.push(`token:     valid (checked in ${report.checkMs} ms)`);
  } else {
    ok = false;
    lines.push(...refusalLines(report));
  }
  lines.push(...claimLines(auth, report));
  if (verdict.kind === 'valid') lines.push(...identityLines(verdict.identity, report.ttl, 'every request would check the token again'));
  lines.push(ok ? 'result:    OK' : 'result:    FAILED');
  return { text: lines.join('\n') + '\n', ok };
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
