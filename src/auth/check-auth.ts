import type { AuthConfig } from './settings.ts';
import { endpointAnswers, probe, type CheckOutcome } from '../health/check.ts';
import { describeShape } from './answer-shape.ts';
import { askIdentityService } from './call.ts';
import { describeViolation, type Verdict } from './identity.ts';
import { protocolFor } from './protocols/index.ts';
import { cacheTtl, type CacheTtl } from './ttl.ts';

/**
 * `formgate check-auth`: for a deployer wiring up an identity service. It looks at the service's health,
 * validates one token exactly as `serve` would, and says what Formgate would make of the answer.
 */

export interface CheckAuthReport {
  readonly health: CheckOutcome | 'skipped';
  readonly verdict: Verdict;
  readonly durationMs: number;
  /** How long `serve` would keep the identity, when there is one. */
  readonly ttl?: CacheTtl;
}

export async function checkAuth(auth: AuthConfig & { url: string }, token: string): Promise<CheckAuthReport> {
  const { healthUrl } = auth;
  const health = healthUrl === null ? 'skipped' : await probe(() => endpointAnswers(healthUrl, auth.timeoutMs), auth.timeoutMs);
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
export function formatReport(auth: AuthConfig & { url: string }, report: CheckAuthReport): { text: string; ok: boolean } {
  const lines = [`identity service: ${auth.url} (protocol ${auth.protocol})`];
  let ok = true;
  if (report.health === 'skipped') lines.push('health:    skipped (--auth-health-url none)');
  else if (report.health.status === 'pass') lines.push(`health:    pass, ${auth.healthUrl} answered 2xx in ${report.health.durationMs} ms`);
  else {
    ok = false;
    lines.push(`health:    FAIL, ${auth.healthUrl}: ${report.health.reason ?? report.health.output}`);
  }

  const { verdict } = report;
  if (verdict.kind === 'valid') {
    const ttl = report.ttl ?? { ms: 0, decidedBy: 'no-store' };
    lines.push(`token:     valid (answered in ${report.durationMs} ms)`);
    const { kind, ...identity } = verdict.identity;
    lines.push(`identity:  ${JSON.stringify(identity)}`);
    // Only the exception is named: a deployer reading a person's report needs no new line to skip.
    if (kind === 'client') lines.push('kind:      client (a machine client: the token names no sub or username, so its id is its client_id)');
    lines.push(ttl.ms > 0 ? `cache:     kept ${formatSeconds(ttl.ms)} (decided by ${TTL_REASON[ttl.decidedBy]})` : `cache:     not kept (${TTL_REASON[ttl.decidedBy]}); every request would ask the service`);
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

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
