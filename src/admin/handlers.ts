import { OpenAPIHono } from '@hono/zod-openapi';
import type { Caller } from '../auth/caller.ts';
import type { IdentityClient } from '../auth/identity-client.ts';
import { ProblemError } from '../http/problem.ts';
import * as routes from './routes.ts';

type Env = { Variables: { caller: Caller } };

/** The admin routes reach here only for members of the admin group: the guard it is mounted behind sees to that. */
export function adminRoutes(identityClient: IdentityClient | undefined) {
  const app = new OpenAPIHono<Env>();
  const client = (): IdentityClient => {
    // The guard already refuses admin requests without an identity service; this keeps the types honest.
    if (identityClient === undefined) throw new ProblemError(403, 'The admin API needs an identity service: start Formgate with --auth-url.');
    return identityClient;
  };
  app.openapi(routes.getAuthCache, (c) => c.json({ protocol: client().protocol, ...client().cacheStats(), ...client().callStats() }, 200));
  app.openapi(routes.clearAuthCache, (c) => c.json({ cleared: client().clearCache() }, 200));
  return app;
}
