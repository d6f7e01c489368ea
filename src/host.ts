import { OpenAPIHono } from '@hono/zod-openapi';
import { pino, type Logger } from 'pino';
import { createApiApp, type ApiParts } from './api/app.ts';
import { answerError, nothingHere } from './api/errors.ts';
import { mountFallback, mountGroup, mountGuarded } from './api/route-groups.ts';
import { identityHealthCheck } from './auth/health-check.ts';
import { authenticator, type AuthEnv } from './auth/middleware.ts';
import { anyDomainProtected } from './auth/protection.ts';
import type { Config } from './config/index.ts';
import { inProcessNotifications } from './db/notifications.ts';
import { formsFileHealthCheck } from './forms/health-check.ts';
import type { FormsFileState } from './forms/live.ts';
import { probe, type HealthCheck } from './health/check.ts';
import { healthRoutes } from './health/handlers.ts';
import { requestLog } from './http/request-log.ts';
import { traceRequests } from './http/trace-requests.ts';
import { openApiDocument, openApiYaml } from './openapi/document.ts';
import { referenceRoutes } from './openapi/reference.ts';
import { createWebApp } from './web/app.tsx';
import type { WebOptions } from './web/options.ts';

export interface HostParts extends ApiParts {
  config: ApiParts['config'] & { auth: Pick<Config['auth'], 'healthUrl' | 'timeoutMs'> };
  logger: Logger;
  /** The web client's settings; absent (`--no-ui`) the host serves the API alone. */
  web?: Omit<WebOptions, 'api'>;
  /** How the followed forms file stands, for /health; absent when the forms are fixed (tests, contracts). */
  formsFile?: () => FormsFileState;
}

// In one process the web client's API requests never touch a socket; the origin is a placeholder.
const IN_PROCESS_ORIGIN = 'http://formgate.internal';

/**
 * The whole HTTP surface of one process: tracing and the request log for every request, the API app, and
 * the open routes beside it (health, the OpenAPI document, the docs; next, the web client at '/'). It opens
 * no socket: server.ts does, and tests call host.request().
 */
export function createHostApp(parts: HostParts) {
  const host = new OpenAPIHono<AuthEnv>();
  // Tracing first, so the request's log line and everything below it run inside its span.
  host.use(traceRequests());
  host.use(requestLog(parts.logger));

  // The open routes still read a bearer token that is sent, so the caller is known (and a bad one is a 401).
  const guard = authenticator({ protection: parts.config.protect, adminGroup: parts.config.adminGroup, ...(parts.identityClient ? { identityClient: parts.identityClient } : {}) });
  mountGroup(host, 'open', healthRoutes(healthChecks(parts)), guard);
  const api = createApiApp(parts);
  mountGuarded(host, api);
  mountGroup(host, 'open', openApiRoutes(() => openApiDocument(host)), guard);
  mountGroup(host, 'open', referenceRoutes(), guard);
  if (parts.web !== undefined) {
    // The web client goes through the API app's own fetch: the same HTTP contract as over the network.
    const web = createWebApp({ ...parts.web, api: async (path, init) => api.fetch(new Request(new URL(path, IN_PROCESS_ORIGIN), init)) });
    mountFallback(host, (c) => web.fetch(c.req.raw, { ...(c.env as object), requestId: c.get('requestId') }));
  }

  // Answered here, not thrown: Hono would carry a throw out through the request log before it is answered.
  host.notFound((c) => answerError(nothingHere(c), c));
  host.onError(answerError);
  return host;
}

/** /openapi.json, made once on first request from the contracts of every route mounted. */
function openApiRoutes(generate: () => ReturnType<typeof openApiDocument>) {
  const routes = new OpenAPIHono();
  let document: ReturnType<typeof openApiDocument> | undefined;
  routes.get('/openapi.json', (c) => c.json((document ??= generate())));
  return routes;
}

function healthChecks(parts: HostParts): HealthCheck[] {
  const checks: HealthCheck[] = [{ name: 'database:responseTime', componentType: 'datastore', critical: true, run: () => probe(parts.database.ping) }];
  const { healthUrl, timeoutMs } = parts.config.auth;
  const critical = anyDomainProtected(parts.config.protect);
  if (parts.identityClient && healthUrl !== null) checks.push(identityHealthCheck({ url: healthUrl, timeoutMs, critical }));
  if (parts.identityClient) checks.push(...parts.identityClient.healthChecks(critical));
  if (parts.formsFile) checks.push(formsFileHealthCheck(parts.formsFile));
  return checks;
}

/**
 * The host built only for its route contracts, from inert parts that no request ever reaches. Route
 * contracts do not depend on the database or the forms file, so it has every route and contract of a
 * running server.
 */
export function contractsOnlyHost() {
  const unused = async () => {
    throw new Error('the contracts-only host serves no requests');
  };
  return createHostApp({
    config: { protect: { forms: 'none', documents: 'none' }, adminGroup: 'admin', auth: { healthUrl: null, timeoutMs: 1 }, maxBodyBytes: 1 },
    database: { db: undefined as never, driver: 'pglite', notifications: inProcessNotifications(), migrate: unused, ping: unused, close: unused },
    forms: { list: () => [], get: () => undefined },
    logger: pino({ level: 'silent' }),
  });
}

/** The OpenAPI document without a running server: what `formgate openapi` prints and writes. */
export function openApiYamlOffline(): string {
  return openApiYaml(contractsOnlyHost());
}
