import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { addRoute } from '../http/route.ts';

/**
 * Health (draft-inadvisable-health-check format). The service can always answer while it runs, with the
 * last good directory if the file has since become unreadable, so it is 200 either way; a file that
 * cannot be read makes the status `warn` and says why.
 */

const Check = z.object({ componentType: z.literal('datastore'), status: z.enum(['pass', 'warn']), output: z.string().optional() });

const Health = z
  .object({
    status: z.enum(['pass', 'warn']),
    checks: z.object({ 'users:file': z.array(Check) }),
  })
  .openapi('Health');

const contract = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['health'],
  summary: 'Can the service answer?',
  responses: { 200: { description: 'It can; `warn` when the users file could not be re-read.', content: { 'application/health+json': { schema: Health } } } },
});

export function healthRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  addRoute(app, contract, async (c) => {
    const directory = await deps.directory.health();
    const status = directory.ok ? 'pass' : 'warn';
    const body = { status, checks: { 'users:file': [{ componentType: 'datastore', status, ...(directory.problem === undefined ? {} : { output: directory.problem }) }] } };
    return c.body(JSON.stringify(body), 200, { 'Content-Type': 'application/health+json', 'Cache-Control': 'no-store' });
  });
}
