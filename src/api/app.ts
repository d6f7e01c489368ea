import { OpenAPIHono } from '@hono/zod-openapi';
import { adminRoutes } from '../admin/handlers.ts';
import type { IdentityClient } from '../auth/identity-client.ts';
import type { RevocationService } from '../auth/revocations/index.ts';
import { authenticator, type AuthEnv } from '../auth/middleware.ts';
import type { Config } from '../config/index.ts';
import type { Database } from '../db/connect.ts';
import { documentRoutes } from '../documents/handlers.ts';
import { formRoutes } from '../forms/handlers.ts';
import type { FormRegistry } from '../forms/index.ts';
import { meRoutes } from '../me/handlers.ts';
import { answerError, nothingHere, rejectInvalidInput } from './errors.ts';
import { mountGroup } from './route-groups.ts';

/** Every API path starts here; the route contracts spell it out, so the OpenAPI document shows full paths. */
export const API_PREFIX = '/api/v1';

export interface ApiParts {
  config: Pick<Config, 'protect' | 'maxBodyBytes' | 'adminGroup'>;
  database: Database;
  /** Absent without `--auth-url`: tokens are then ignored and every caller is anonymous. */
  identityClient?: IdentityClient;
  /** Revocation on every replica; present whenever `identityClient` is. */
  revocations?: RevocationService;
  forms: FormRegistry;
}

/**
 * The API: each route group behind the guard its protection declares, and problem+json for every error
 * under /api/v1. A path the API has no route for is a 404 before any guard runs, whatever the token or
 * `--protect` say: nothing there to protect.
 */
export function createApiApp(parts: ApiParts) {
  const api = new OpenAPIHono<AuthEnv>({ defaultHook: rejectInvalidInput });
  const { protect, adminGroup, maxBodyBytes } = parts.config;
  const guard = authenticator({ protection: protect, adminGroup, ...(parts.identityClient ? { identityClient: parts.identityClient } : {}) });

  mountGroup(api, 'forms', formRoutes(parts.forms, protect), guard);
  // /me reports what the caller may do on each form: it belongs to the forms domain.
  mountGroup(api, 'forms', meRoutes(parts.forms, protect), guard);
  mountGroup(api, 'admin', adminRoutes({ maxBodyBytes, ...(parts.identityClient ? { identityClient: parts.identityClient } : {}), ...(parts.revocations ? { revocations: parts.revocations } : {}) }), guard);
  mountGroup(api, 'documents', documentRoutes({ db: parts.database.db, forms: parts.forms, maxBodyBytes }), guard);

  // A route, not notFound(): a mounted app's notFound is never asked. Registered last, so it answers only
  // what no group did; it is an ALL route, so a span still takes its name from the route that answered.
  api.all(`${API_PREFIX}/*`, (c) => {
    throw nothingHere(c);
  });
  // Set before the host mounts this app: Hono wraps each mounted route with the handler it finds then.
  api.onError(answerError);
  return api;
}
