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
    revocations: z
      .object({
        emptied: z.number().int().openapi({ description: 'Caches emptied by a call to this replica (each also emptied every other replica’s).' }),
        users: z.number().int().openapi({ description: 'Users revoked by a call to this replica.' }),
        tokens: z.number().int().openapi({ description: 'Tokens revoked by a call to this replica.' }),
        received: z.number().int().openapi({ description: 'Revocations made on other replicas and applied here.' }),
        held: z.number().int().openapi({ description: '`jwt`: user and token revocations this replica refuses now, until each token could have expired; 0 for the other protocols, which ask the identity service again.' }),
      })
      .openapi('RevocationStats'),
    keySet: z
      .object({
        ageS: z.number().int().nullable().openapi({ description: 'Seconds since the keys in use were fetched; null while none ever were.' }),
        keys: z.number().int().openapi({ description: 'Usable keys held.' }),
        fetches: z.number().int().openapi({ description: 'Fetches of the key set since startup, failed ones included.' }),
        fetchFailures: z.number().int().openapi({ description: 'Fetches that failed.' }),
        stale: z.boolean().openapi({ description: 'Past its lifetime, still used within --auth-jwks-stale while fetches fail.' }),
      })
      .optional()
      .openapi('KeySetStats', { description: '`jwt` only: the provider\'s key set.' }),
    refused: z.number().int().openapi({
      description:
        'Calls not made because --auth-max-calls calls were in flight and none ended within --auth-timeout; the requests waiting on each got 503 with Retry-After (or a stale identity, with --auth-stale-if-error). Not counted in failures.',
    }),
  })
  .openapi('AuthCacheStats', { description: 'Counters since startup; emptying the cache does not reset them.' });

/** What the admin routes share: a token that is required whatever `--protect` says. */
const adminRoute = { tags: ['admin'], security: [{ bearerAuth: [] }] };
const adminCacheRoute = { path: '/api/v1/admin/auth-cache', ...adminRoute };

const Revoked = z
  .object({
    cleared: z.number().int().openapi({ description: 'How many entries were dropped from this replica’s cache.' }),
    replicas: z.number().int().min(1).openapi({ description: 'How many replicas were told, this one included: every Formgate listening on the same PostgreSQL database (1 on the embedded database).' }),
    user: z.string().optional().openapi({ description: 'The user revoked (`?user=`).' }),
    refusedUntil: z.string().datetime().optional().openapi({
      description:
        '`--auth-protocol jwt` only: until when the revoked token (or the user’s tokens issued up to now) is refused on every replica, including replicas started later. The HTTP protocols keep nothing: the next use asks the identity service again.',
    }),
  })
  .openapi('AuthCacheCleared');

const UserQuery = z.object({
  user: z
    .string()
    .optional()
    .openapi({ param: { description: 'Drop only this user id’s cached identities (and, for jwt, refuse their tokens issued up to now).' }, example: 'alice' }),
});

const TokenBody = z.object({ token: z.string().min(1).openapi({ description: 'The bearer token to revoke. It is hashed at once: never logged, kept or repeated.' }) }).openapi('TokenRevocation');

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
  summary: 'Empty the identity cache on every replica, or drop one user’s identities',
  description:
    'Without `user`: every token is asked about again on its next use. With `user`: only that user’s. On PostgreSQL every replica sharing the database does the same within a second (LISTEN/NOTIFY). Needs a token from a member of `--admin-group`.',
  request: { query: UserQuery },
  responses: {
    200: { description: 'Dropped here, and every other replica was told.', content: { 'application/json': { schema: Revoked } } },
    ...pickProblems(400, 401, 403, 502, 503),
  },
});

export const revokeToken = createRoute({
  method: 'post',
  operationId: 'revokeToken',
  path: '/api/v1/admin/auth-cache/revocations',
  ...adminRoute,
  summary: 'Drop one token’s cached answer on every replica',
  description:
    'The notification to the other replicas names the token by its SHA-256, never the token. For `jwt` the token stays refused until its `exp`. Needs a token from a member of `--admin-group`.',
  request: { body: { required: true, content: { 'application/json': { schema: TokenBody } } } },
  responses: {
    200: { description: 'Dropped here, and every other replica was told.', content: { 'application/json': { schema: Revoked } } },
    ...pickProblems(400, 401, 403, 413, 415, 502, 503),
  },
});
