import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { AppEnv } from './context.ts';
import { acceptedRequestId } from './request-id.ts';
import { endpointRoute } from './route.ts';

/**
 * One log line per request: method, route pattern, status, duration, the caller's request id and, once
 * known, the principal and why a credential was refused. Never the path's query, a body or any other
 * header value, where credentials live.
 */
export function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    // Formgate sends the id of its own request (openapi/auth-service.yaml), so the two logs join up.
    // One that is not acceptable is left out of the line: this service makes no ids of its own.
    const requestId = acceptedRequestId(c.req.header('x-request-id'));
    try {
      await next();
    } finally {
      const status = c.res.status;
      const line = {
        method: c.req.method,
        route: endpointRoute(c) ?? null,
        status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        ...(requestId === undefined ? {} : { requestId }),
        ...(c.var.principal === undefined ? {} : { principal: c.var.principal }),
        ...(c.var.refusal === undefined ? {} : { refusal: c.var.refusal }),
      };
      if (status >= 500) logger.error(line, 'request failed');
      else logger.info(line, 'request');
    }
  };
}
