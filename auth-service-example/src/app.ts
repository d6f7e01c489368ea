import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { AppDeps, AppEnv } from './http/context.ts';
import { problem } from './http/errors.ts';
import { requestLog } from './http/request-log.ts';
import { traceRequests } from './http/tracing.ts';
import { oidcState } from './oidc/state.ts';
import { authorizeRoutes } from './routes/authorize.ts';
import { discoveryRoutes } from './routes/discovery.ts';
import { healthRoutes } from './routes/health.ts';
import { introspectRoutes } from './routes/introspect.ts';
import { logoutRoutes } from './routes/logout.ts';
import { openApiDocument } from './routes/openapi.ts';
import { tokenRoutes } from './routes/token.ts';
import { userinfoRoutes } from './routes/userinfo.ts';
import { validateRoutes } from './routes/validate.ts';

export type { AppDeps } from './http/context.ts';

// Every request this service takes is a few hundred bytes; anything much larger is not one of them.
const MAX_BODY_BYTES = 64 * 1024;

/** Builds the HTTP app. It opens no socket: server.ts does, and tests call app.request() or serve it themselves. */
export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();

  // Tracing first, so the request's log line is written inside its span and carries its ids.
  app.use(traceRequests());
  app.use(requestLog(deps.logger));
  app.use(bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => problem(413, 'Content Too Large', `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`) }));

  // Codes, refresh tokens and login pages live as long as the app: in memory, per process.
  const oidc = oidcState(deps.oidc);
  tokenRoutes(app, deps, oidc);
  authorizeRoutes(app, deps, oidc);
  logoutRoutes(app, deps, oidc);
  validateRoutes(app, deps);
  userinfoRoutes(app, deps);
  introspectRoutes(app, deps);
  discoveryRoutes(app, deps);
  healthRoutes(app, deps);

  let document: ReturnType<typeof openApiDocument> | undefined;
  app.get('/openapi.json', (c) => c.json((document ??= openApiDocument(app, deps.issuer))));

  app.notFound((c) => problem(404, 'Not Found', `There is nothing at ${c.req.method} ${c.req.path.slice(0, 200)}; see /openapi.json.`));
  app.onError((error) => {
    // Hono's own refusals of a request (a body it cannot read, say) are the client's, not ours.
    if (error instanceof HTTPException && error.status < 500) return problem(error.status, 'Bad Request', error.message || 'The request could not be read.');
    // The cause goes to the log, never to the caller.
    deps.logger.error({ err: error }, 'unhandled error');
    return problem(500, 'Internal Server Error', 'The service failed to handle this request; the log has the details.');
  });
  return app;
}
