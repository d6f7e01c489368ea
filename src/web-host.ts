import { Hono } from 'hono';
import type { Logger } from 'pino';
import { answerError } from './api/errors.ts';
import { endpointCheck, type HealthCheck } from './health/check.ts';
import { healthRoutes } from './health/handlers.ts';
import { requestLog, type RequestVariables } from './http/request-log.ts';
import { traceRequests } from './http/trace-requests.ts';
import { createWebApp } from './web/app.tsx';
import type { WebOptions } from './web/options.ts';

/** A look at the API's health is reused this long, so polling this /health is not load on the API. */
export const API_HEALTH_KEEP_MS = 2000;

export interface WebHostParts {
  readonly web: WebOptions;
  /** The API's own readiness endpoint (`<api-url>/health`). */
  readonly apiHealthUrl: string;
  readonly apiTimeoutMs: number;
  readonly logger: Logger;
}

/**
 * The HTTP surface of a web client running alone (`--no-api`): tracing and the request log for every
 * request, its own /health (which fails while the API does) and /health/live, and the pages. No route of
 * the API is here: a path under /api/v1 is one of the pages' 404s.
 */
export function createWebOnlyHost(parts: WebHostParts) {
  const host = new Hono<{ Variables: RequestVariables }>();
  host.use(traceRequests());
  host.use(requestLog(parts.logger));
  host.route('/', healthRoutes([apiHealthCheck(parts.apiHealthUrl, parts.apiTimeoutMs)]));
  const web = createWebApp(parts.web);
  host.all('*', (c) => web.fetch(c.req.raw, { ...(c.env as object), requestId: c.get('requestId') }));
  host.onError(answerError);
  return host;
}

function apiHealthCheck(url: string, timeoutMs: number): HealthCheck {
  // The API's /health says within a few seconds whether its database and identity service answer.
  return endpointCheck({ name: 'api:responseTime', url, timeoutMs: Math.min(timeoutMs, 5000), critical: true, keepMs: API_HEALTH_KEEP_MS });
}
