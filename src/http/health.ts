import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Logger } from 'pino';
import type { RequestVariables } from './request-log.ts';
import { problems } from './schemas.ts';

/**
 * Health in the shape of draft-inadarei-api-health-check (`application/health+json`): `pass`, `warn` or
 * `fail` overall, and one entry per dependency with how long its check took. A check that is not critical
 * (the identity service while no domain needs a token) shows `warn` when it fails and leaves /health at 200.
 */
export interface HealthCheck {
  /** The key under `checks`, as `component:measurement`, e.g. `database:responseTime`. */
  readonly name: string;
  readonly componentType: string;
  readonly critical: boolean;
  /** Never throws: `probe()` turns any failure into a `fail` outcome. */
  run(): Promise<CheckOutcome>;
}

export interface CheckOutcome {
  readonly status: 'pass' | 'fail';
  readonly durationMs: number;
  /** When the check ran (a cached outcome keeps its own time). */
  readonly time: string;
  /** Public: which kind of failure. */
  readonly output?: string;
  /** For the log only: the cause, which may name internal hosts. */
  readonly reason?: string;
}

type Status = 'pass' | 'warn' | 'fail';

const CheckResult = z.object({
  componentType: z.string(),
  status: z.enum(['pass', 'warn', 'fail']),
  observedValue: z.number().openapi({ description: 'How long the check took.' }),
  observedUnit: z.literal('ms'),
  time: z.string().openapi({ format: 'date-time' }),
  output: z.string().optional().openapi({ description: 'Which kind of failure; the cause is in the server log under this request id.' }),
});

const Health = z
  .object({
    status: z.enum(['pass', 'warn', 'fail']),
    description: z.string(),
    checks: z.record(z.string(), z.array(CheckResult)),
  })
  .openapi('Health');

const Live = z.object({ status: z.literal('pass') }).openapi('Liveness');

const HEALTH_TYPE = 'application/health+json';
const CHECK_TIMEOUT_MS = 3000;

/** Health never needs a token, but one that is sent is still checked (the caller is then known). */
const badToken = {
  401: {
    ...problems[401],
    description: 'The request sent a token that is not valid. This route needs none: leave out the Authorization header.',
  },
};

const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  operationId: 'getHealth',
  tags: ['health'],
  summary: 'Readiness: the database and the identity service answer',
  security: [],
  responses: {
    200: { description: 'Every dependency answered, or only one that no request needs failed (`warn`).', content: { [HEALTH_TYPE]: { schema: Health } } },
    ...badToken,
    503: { description: 'A dependency failed (the identity service counts only while some domain needs a token); `checks` says which and why.', content: { [HEALTH_TYPE]: { schema: Health } } },
  },
});

const liveRoute = createRoute({
  method: 'get',
  path: '/health/live',
  operationId: 'getLiveness',
  tags: ['health'],
  summary: 'Liveness: the process is serving requests',
  security: [],
  responses: { 200: { description: 'The process is up.', content: { [HEALTH_TYPE]: { schema: Live } } }, ...badToken },
});

export function healthRoutes(checks: readonly HealthCheck[]) {
  const app = new OpenAPIHono<{ Variables: RequestVariables }>();
  app.openapi(healthRoute, async (c) => {
    const outcomes = await Promise.all(checks.map(async (check) => [check, await check.run()] as const));
    const entries = outcomes.map(([check, outcome]) => {
      const checkStatus: Status = outcome.status === 'pass' ? 'pass' : check.critical ? 'fail' : 'warn';
      if (outcome.status === 'fail') c.get('log').warn({ check: check.name, critical: check.critical, reason: outcome.reason }, 'health check failed');
      const result = {
        componentType: check.componentType,
        status: checkStatus,
        observedValue: outcome.durationMs,
        observedUnit: 'ms' as const,
        time: outcome.time,
        ...(outcome.output !== undefined ? { output: outcome.output } : {}),
      };
      return [check.name, [result]] as [string, z.infer<typeof CheckResult>[]];
    });
    const statuses = entries.map(([, [result]]) => result?.status);
    const status: Status = statuses.includes('fail') ? 'fail' : statuses.includes('warn') ? 'warn' : 'pass';
    const body = { status, description: 'Formgate', checks: Object.fromEntries(entries) } satisfies z.infer<typeof Health>;
    const headers = { 'content-type': HEALTH_TYPE, 'cache-control': 'no-store' };
    return status === 'fail' ? c.json(body, 503, headers) : c.json(body, 200, headers);
  });
  app.openapi(liveRoute, (c) => c.json({ status: 'pass' as const }, 200, { 'content-type': HEALTH_TYPE }));
  return app;
}

class CheckTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

/** Runs one check with a deadline: a dependency that hangs must not hang /health, so a slow answer is a failure. */
export async function probe(run: () => Promise<void>, timeoutMs = CHECK_TIMEOUT_MS): Promise<CheckOutcome> {
  const started = performance.now();
  const time = new Date().toISOString();
  let failure: Pick<CheckOutcome, 'output' | 'reason'> | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new CheckTimeout(timeoutMs)), timeoutMs);
      }),
    ]);
  } catch (e) {
    // /health is public: a driver's message can name internal hosts and users, so it goes to the log only.
    const reason = e instanceof Error ? e.message : String(e);
    failure = { output: e instanceof CheckTimeout ? e.message : 'the check failed', reason };
  } finally {
    clearTimeout(timer);
  }
  const durationMs = Math.round((performance.now() - started) * 10) / 10;
  return { status: failure === undefined ? 'pass' : 'fail', durationMs, time, ...failure };
}

/**
 * A check whose outcome is reused for `keepMs`, and shared by concurrent callers, so polling /health
 * cannot turn into load on the dependency.
 */
export function cachedProbe(run: () => Promise<CheckOutcome>, keepMs: number, now: () => number = Date.now): () => Promise<CheckOutcome> {
  let last: { at: number; outcome: Promise<CheckOutcome> } | undefined;
  return () => {
    if (last === undefined || now() - last.at >= keepMs) last = { at: now(), outcome: run() };
    return last.outcome;
  };
}
