import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { callerId, type Caller } from '../auth/caller.ts';
import type { IdentityClient } from '../auth/identity-client.ts';
import type { RevocationError, RevocationService, RevokeOutcome } from '../auth/revocations/index.ts';
import { jsonBody } from '../http/json-body.ts';
import { ProblemError } from '../http/problem.ts';
import type { Result } from '../result.ts';
import * as routes from './routes.ts';

type Env = { Variables: { caller: Caller } };

export interface AdminDeps {
  readonly identityClient?: IdentityClient;
  /** Absent only where no identity service is configured (the guard then refuses every admin request). */
  readonly revocations?: RevocationService;
  readonly maxBodyBytes: number;
}

/** The admin routes reach here only for members of the admin group: the guard it is mounted behind sees to that. */
export function adminRoutes(deps: AdminDeps) {
  const app = new OpenAPIHono<Env>();
  const client = (): IdentityClient => {
    // The guard already refuses admin requests without an identity service; this keeps the types honest.
    if (deps.identityClient === undefined) throw new ProblemError(403, 'The admin API needs an identity service: start Formgate with --auth-url.');
    return deps.identityClient;
  };
  const revocations = (): RevocationService => {
    if (deps.revocations === undefined) throw new ProblemError(403, 'The admin API needs an identity service: start Formgate with --auth-url.');
    return deps.revocations;
  };
  const admin = (caller: Caller) => callerId(caller) ?? 'anonymous';

  app.openapi(routes.getAuthCache, (c) => c.json({ protocol: client().protocol, ...client().cacheStats(), ...client().callStats(), revocations: revocations().stats() }, 200));
  app.openapi(routes.clearAuthCache, async (c) => {
    const { user } = c.req.valid('query');
    const by = admin(c.get('caller'));
    return c.json(answer(user === undefined ? await revocations().revokeAll(by) : await revocations().revokeUser(by, user)), 200);
  });
  app.on(['POST'], ['/api/v1/admin/auth-cache/revocations'], ...quietJsonBody(deps.maxBodyBytes));
  app.openapi(routes.revokeToken, async (c) => c.json(answer(await revocations().revokeToken(admin(c.get('caller')), c.req.valid('json').token)), 200), (result) => {
    if (!result.success) throw badTokenBody(result.error.issues);
    return undefined;
  });
  return app;
}

function answer(result: Result<RevokeOutcome, RevocationError>): RevokeOutcome {
  if (result.ok) return result.value;
  if (result.error.kind === 'invalid') throw new ProblemError(400, result.error.detail);
  throw new ProblemError(503, result.error.detail, {}, { 'Retry-After': '5' });
}

/** A body that is JSON but not `{"token": "…"}`: a 400 naming the members, never their values. */
function badTokenBody(issues: readonly { path: readonly PropertyKey[]; message: string }[]): ProblemError {
  const errors = issues.map((issue) => ({ path: `/${issue.path.map(String).join('/')}`, message: issue.message }));
  return new ProblemError(400, 'The body must be a JSON object {"token": "<the token to revoke>"}.', { errors });
}

/**
 * The JSON guard of the other routes, except that unreadable JSON is not quoted back: the parser's message
 * repeats the text around the fault, and this body is a token.
 */
function quietJsonBody(maxBytes: number): MiddlewareHandler[] {
  const [limit, parse] = jsonBody(maxBytes) as [MiddlewareHandler, MiddlewareHandler];
  const quiet: MiddlewareHandler = async (c, next) => {
    let parsed = false;
    try {
      await parse(c, async () => {
        parsed = true;
        await next();
      });
    } catch (e) {
      if (!parsed && e instanceof ProblemError && e.status === 400) throw new ProblemError(400, 'The request body is not valid JSON.');
      throw e;
    }
  };
  return [limit, quiet];
}
