import { createRoute, z } from '@hono/zod-openapi';
import { problems } from '../http/schemas.ts';

/** The contract of /health (readiness) and /health/live (liveness). */

export const CheckResult = z.object({
  componentType: z.string(),
  status: z.enum(['pass', 'warn', 'fail']),
  observedValue: z.number().openapi({ description: 'How long the check took (`ms`), or what it measures (`jwks:age`: the key set\'s age, `s`).' }),
  observedUnit: z.enum(['ms', 's']),
  time: z.string().openapi({ format: 'date-time' }),
  output: z.string().optional().openapi({ description: 'Which kind of failure; the cause is in the server log under this request id.' }),
});

export const Health = z
  .object({
    status: z.enum(['pass', 'warn', 'fail']),
    description: z.string(),
    checks: z.record(z.string(), z.array(CheckResult)),
  })
  .openapi('Health');

const Live = z.object({ status: z.literal('pass') }).openapi('Liveness');

export const HEALTH_TYPE = 'application/health+json';

/** Health never needs a token, but one that is sent is still checked (the caller is then known). */
const badToken = {
  401: {
    ...problems[401],
    description: 'The request sent a token that is not valid. This route needs none: leave out the Authorization header.',
  },
};

export const healthRoute = createRoute({
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

export const liveRoute = createRoute({
  method: 'get',
  path: '/health/live',
  operationId: 'getLiveness',
  tags: ['health'],
  summary: 'Liveness: the process is serving requests',
  security: [],
  responses: { 200: { description: 'The process is up.', content: { [HEALTH_TYPE]: { schema: Live } } }, ...badToken },
});
