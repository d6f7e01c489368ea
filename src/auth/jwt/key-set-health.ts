import type { CheckOutcome, HealthCheck } from '../../health/check.ts';

/**
 * The key set in /health as `jwks:age`: its age in seconds. `pass` within its lifetime; `warn` past it but
 * within the stale window (refreshes fail; the key set logged that when it happened); `fail` past the stale
 * window or while no keys were ever fetched, which fails /health when the check is critical. Reads figures
 * only: polling /health never makes a fetch.
 */
export function keySetHealth(state: () => AgeFigures, now: () => number, critical: boolean): HealthCheck {
  return { name: 'jwks:age', componentType: 'component', critical, run: async () => outcome(state(), now()) };
}

/** The figures of KeySetState this check reads (its own type, so the two modules import one way). */
export interface AgeFigures {
  readonly fetchedAtMs?: number;
  readonly usableUntilMs?: number;
  readonly stale: boolean;
  readonly lastError?: string;
}

function outcome(state: AgeFigures, at: number): CheckOutcome {
  const time = new Date(at).toISOString();
  const base = { durationMs: 0, time };
  if (state.fetchedAtMs === undefined || state.usableUntilMs === undefined) {
    return { ...base, status: 'fail', output: 'no signing keys fetched yet', ...(state.lastError === undefined ? {} : { reason: state.lastError }) };
  }
  const observed = { observedValue: Math.max(0, Math.round((at - state.fetchedAtMs) / 1000)), observedUnit: 's' as const };
  if (at >= state.usableUntilMs) {
    return { ...base, ...observed, status: 'fail', output: 'the key set is older than its lifetime and stale window', ...(state.lastError === undefined ? {} : { reason: state.lastError }) };
  }
  if (state.stale) return { ...base, ...observed, status: 'warn', output: 'the key set is past its lifetime: refreshes fail, the keys held are still used' };
  return { ...base, ...observed, status: 'pass' };
}
