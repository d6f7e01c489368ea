import { OpenAPIHono, type Hook } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import type { Caller } from './auth/caller.ts';
import { adminRoutes, meRoutes } from './auth/handlers.ts';
import { identityHealthCheck } from './auth/health-check.ts';
import type { IdentityService } from './auth/identity-service.ts';
import { authenticate } from './auth/middleware.ts';
import { anyDomainProtected } from './auth/protection.ts';
import type { Config } from './config/index.ts';
import type { Database } from './db/connect.ts';
import { isDatabaseUnavailable } from './db/errors.ts';
import { documentRoutes } from './documents/handlers.ts';
import { formRoutes } from './forms/handlers.ts';
import { jsonPointer, type FormRegistry } from './forms/index.ts';
import { healthRoutes, probe, type HealthCheck } from './http/health.ts';
import { openApiDocument } from './http/openapi.ts';
import { referenceRoutes } from './openapi/reference.ts';
import { ProblemError, problemBody, problemResponse } from './http/problem.ts';
import { requestLog, summarizeFailure, type RequestVariables } from './http/request-log.ts';
import { traceRequests } from './http/trace-requests.ts';

export interface AppParts {
  config: Pick<Config, 'protect' | 'maxBodyBytes' | 'adminGroup'> & { auth: Pick<Config['auth'], 'healthUrl' | 'timeoutMs'> };
  database: Database;
  /** Absent without `--auth-url`: tokens are then ignored and every caller is anonymous. */
  identityService?: IdentityService;
  forms: FormRegistry;
  logger: Logger;
}

export type AppEnv = { Variables: RequestVariables & { caller: Caller } };

/** Builds the HTTP app from its parts. It opens no socket: server.ts does, and tests call app.request(). */
export function createApp(parts: AppParts) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: rejectInvalidInput });

  // Tracing first, so the request's log line and everything below it run inside its span.
  app.use(traceRequests());
  app.use(requestLog(parts.logger));
  app.use(
    authenticate({
      protection: parts.config.protect,
      adminGroup: parts.config.adminGroup,
      ...(parts.identityService ? { identityService: parts.identityService } : {}),
    }),
  );

  app.route('/', healthRoutes(healthChecks(parts)));
  app.route('/', formRoutes(parts.forms, parts.config.protect));
  app.route('/', meRoutes(parts.forms, parts.config.protect));
  app.route('/', adminRoutes(parts.identityService));
  app.route('/', documentRoutes({ db: parts.database.db, forms: parts.forms, maxBodyBytes: parts.config.maxBodyBytes }));

  let document: ReturnType<typeof openApiDocument> | undefined;
  app.get('/openapi.json', (c) => c.json((document ??= openApiDocument(app))));
  app.route('/', referenceRoutes());

  app.notFound((c) => {
    throw new ProblemError(404, `There is nothing at ${c.req.method} ${c.req.path.slice(0, 200)}; see /docs for the API.`);
  });
  app.onError((error, c) => {
    const { status, detail, extensions, headers } = describeError(error);
    // The request's own log line carries the cause, so one failure is one line.
    if (status >= 500 && !(error instanceof ProblemError)) c.set('failure', summarizeFailure(error));
    return problemResponse(problemBody(status, detail, { ...extensions, requestId: c.get('requestId') }, c.req.path), headers);
  });
  return app;
}

function healthChecks(parts: AppParts): HealthCheck[] {
  const checks: HealthCheck[] = [{ name: 'database:responseTime', componentType: 'datastore', critical: true, run: () => probe(parts.database.ping) }];
  const { healthUrl, timeoutMs } = parts.config.auth;
  if (parts.identityService && healthUrl !== null) {
    checks.push(identityHealthCheck({ url: healthUrl, timeoutMs, critical: anyDomainProtected(parts.config.protect) }));
  }
  return checks;
}

function describeError(error: Error): Pick<ProblemError, 'status' | 'detail' | 'extensions' | 'headers'> {
  if (error instanceof ProblemError) return error;
  if (isDatabaseUnavailable(error)) {
    return { status: 503, detail: 'The database is unavailable; retry shortly.', extensions: {}, headers: { 'Retry-After': '5' } };
  }
  if (error instanceof HTTPException && error.status < 500) return { status: error.status, detail: error.message || 'The request could not be read.', extensions: {}, headers: {} };
  return { status: 500, detail: 'Formgate failed to handle this request; the log has the details under this requestId.', extensions: {}, headers: {} };
}

/** Input that breaks a route's contract: 422 for a JSON body, 400 for the query, path or headers. */
const rejectInvalidInput: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (result.success) return;
  const errors = result.error.issues.map((issue) => ({ path: jsonPointer(issue.path), message: issue.message }));
  if (result.target === 'json') throw new ProblemError(422, 'The body must be a JSON object of field values.', { errors });
  throw new ProblemError(400, `The request's ${result.target === 'param' ? 'path' : result.target} is malformed.`, { errors });
};
