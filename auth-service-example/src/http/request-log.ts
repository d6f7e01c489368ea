import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { AppEnv } from './context.ts';
import { endpointRoute } from './route.ts';

/**
 * One log line per request: method, route pattern, status, duration and, once known, the principal and
 * why a credential was refused. Never the path's query, a header value or a body, where credentials live.
 */
export function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const status = c.res.status;
      const line = {
        method: c.req.method,
        route: endpointRoute(c) ?? null,
        status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        ...(c.var.principal === undefined ? {} : { principal: c.var.principal }),
        ...(c.var.refusal === undefined ? {} : { refusal: c.var.refusal }),
      };
      if (status >= 500) logger.error(line, 'request failed');
      else logger.info(line, 'request');
    }
  };
}
