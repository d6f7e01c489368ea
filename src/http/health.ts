import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Logger } from 'pino';
import type { RequestVariables } from './request-log.ts';
import { problems } from './schemas.ts';

/**
 * Health in the shape of draft-inadarei-api-health-check (`application/health+json`): `pass` or `fail`
 * overall, and one entry per dependency with how long the check took.
 */
export interface HealthCheck {
  /** The key under `checks`, as `component:measurement`, e.g. `database:responseTime`. */
  readonly name: string;
  readonly componentType: string;
  run(): Promise<void>;
}

const CheckResult = z.object({
  componentType: z.string(),
  status: z.enum(['pass', 'fail']),
  observedValue: z.number().openapi({ description: 'How long the check took.' }),
  observedUnit: z.literal('ms'),
  time: z.string().openapi({ format: 'date-time' }),
  output: z.string().optional().openapi({ description: 'Which kind of failure; the cause is in the server log under this request id.' }),
});

const Health = z
  .object({
    status: z.enum(['pass', 'fail']),
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
  summary: 'Readiness: the database (and, later, the identity service) answer',
  security: [],
  responses: {
    200: { description: 'Every dependency answered.', content: { [HEALTH_TYPE]: { schema: Health } } },
    ...badToken,
    503: { description: 'A dependency failed; `checks` says which and why.', content: { [HEALTH_TYPE]: { schema: Health } } },
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
    const results = await Promise.all(checks.map((check) => runCheck(check, c.var.log)));
    const status = results.every(([, r]) => r.status === 'pass') ? 'pass' : 'fail';
    const body = {
      status,
      description: 'Formgate',
      checks: Object.fromEntries(results.map(([name, r]) => [name, [r]])),
    } satisfies z.infer<typeof Health>;
    const headers = { 'content-type': HEALTH_TYPE, 'cache-control': 'no-store' };
    return status === 'pass' ? c.json(body, 200, headers) : c.json(body, 503, headers);
  });
  app.openapi(liveRoute, (c) => c.json({ status: 'pass' as const }, 200, { 'content-type': HEALTH_TYPE }));
  return app;
}

class CheckTimeout extends Error {
  constructor() {
    super(`no answer within ${CHECK_TIMEOUT_MS} ms`);
  }
}

async function runCheck(check: HealthCheck, log: Logger): Promise<[string, z.infer<typeof CheckResult>]> {
  const started = performance.now();
  let output: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    // A dependency that hangs must not hang the health endpoint: a slow answer counts as a failure.
    await Promise.race([
      check.run(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new CheckTimeout()), CHECK_TIMEOUT_MS);
      }),
    ]);
  } catch (e) {
    // /health is public: a driver's message can name internal hosts and users, so it goes to the log only.
    output = e instanceof CheckTimeout ? `no answer within ${CHECK_TIMEOUT_MS} ms` : 'the check failed';
    log.warn({ check: check.name, reason: e instanceof Error ? e.message : String(e) }, 'health check failed');
  } finally {
    clearTimeout(timer);
  }
  const result = {
    componentType: check.componentType,
    status: output === undefined ? ('pass' as const) : ('fail' as const),
    observedValue: Math.round((performance.now() - started) * 10) / 10,
    observedUnit: 'ms' as const,
    time: new Date().toISOString(),
    ...(output !== undefined ? { output } : {}),
  };
  return [check.name, result];
}
