import { OpenAPIHono, type z } from '@hono/zod-openapi';
import type { RequestVariables } from '../http/request-log.ts';
import type { HealthCheck } from './check.ts';
import { CheckResult, Health, HEALTH_TYPE, healthRoute, liveRoute } from './routes.ts';

type Status = 'pass' | 'warn' | 'fail';

export function healthRoutes(checks: readonly HealthCheck[]) {
  const app = new OpenAPIHono<{ Variables: RequestVariables }>();
  app.openapi(healthRoute, async (c) => {
    const outcomes = await Promise.all(checks.map(async (check) => [check, await check.run()] as const));
    const entries = outcomes.map(([check, outcome]) => {
      const checkStatus: Status = outcome.status === 'fail' && check.critical ? 'fail' : outcome.status === 'pass' ? 'pass' : 'warn';
      if (outcome.status === 'fail') c.get('log').warn({ check: check.name, critical: check.critical, reason: outcome.reason }, 'health check failed');
      const result = {
        componentType: check.componentType,
        status: checkStatus,
        observedValue: outcome.observedValue ?? outcome.durationMs,
        observedUnit: outcome.observedUnit ?? ('ms' as const),
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
