import { createRoute, z } from '@hono/zod-openapi';
import { AUTH_PROTOCOLS } from '../auth/protocols/protocol.ts';
import { pickProblems } from '../http/schemas.ts';

/** The contract of the admin API over the identity cache. */

const CacheStats = z
  .object({
    protocol: z.enum(AUTH_PROTOCOLS),
    enabled: z.boolean().openapi({ description: 'false with --auth-cache-size 0.' }),
    capacity: z.number().int().openapi({ description: '--auth-cache-size.' }),
    size: z.number().int().openapi({ description: 'Entries held now: identities (fresh, or kept for --auth-stale-if-error) and rejections.' }),
    hits: z.number().int().openapi({ description: 'Requests answered from the cache, identities and rejections alike.' }),
    misses: z.number().int().openapi({ description: 'Requests the cache could not answer: each called the identity service, or was refused a call (`refused`).' }),
    coalesced: z.number().int().openapi({ description: 'Requests that waited on a call already in flight for the same token instead of making their own.' }),
    rejections: z.number().int().openapi({ description: 'Calls in which the identity service rejected the token.' }),
    failures: z.number().int().openapi({ description: 'Calls that failed (no answer, 429/5xx, or an answer that broke the protocol).' }),
    staleServed: z.number().int().openapi({ description: 'Requests let through on an expired identity while the service was failing.' }),
    maxCalls: z.number().int().openapi({ description: '--auth-max-calls: calls to the identity service in flight at once, at most. Cache hits and requests joining a call in flight never wait for one.' }),
    callsInFlight: z.number().int().openapi({ description: 'Calls to the identity service in flight now.' }),
    callsWaiting: z.number().int().openapi({ description: 'Calls waiting now for one in flight to end, each for at most --auth-timeout.' }),
    refused: z.number().int().openapi({
      description:
        'Calls not made because --auth-max-calls calls were in flight and none ended within --auth-timeout; the requests waiting on each got 503 with Retry-After (or a stale identity, with --auth-stale-if-error). Not counted in failures.',
    }),
  })
  .openapi('AuthCacheStats', { description: 'Counters since startup; emptying the cache does not reset them.' });

/** What both admin routes share: the path, and a token that is required whatever `--protect` says. */
const adminCacheRoute = { path: '/api/v1/admin/auth-cache', tags: ['admin'], security: [{ bearerAuth: [] }] };

export const getAuthCache = createRoute({
  method: 'get',
  operationId: 'getAuthCache',
  ...adminCacheRoute,
  summary: 'The identity cache’s figures',
  description: 'Needs a token from a member of `--admin-group`, whatever `--protect` says.',
  responses: {
    200: { description: 'The figures.', content: { 'application/json': { schema: CacheStats } } },
    ...pickProblems(401, 403, 502, 503),
  },
});

export const clearAuthCache = createRoute({
  method: 'delete',
  operationId: 'clearAuthCache',
  ...adminCacheRoute,
  summary: 'Empty the identity cache (revoke every kept answer)',
  description:
    'Every token is asked about again on its next use. Each replica has its own cache: call this on each one. Needs a token from a member of `--admin-group`.',
  responses: {
    200: {
      description: 'The cache is empty.',
      content: { 'application/json': { schema: z.object({ cleared: z.number().int().openapi({ description: 'How many entries were dropped.' }) }).openapi('AuthCacheCleared') } },
    },
    ...pickProblems(401, 403, 502, 503),
  },
});
