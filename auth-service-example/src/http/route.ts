import type { OpenAPIHono, RouteConfig } from '@hono/zod-openapi';
import type { Context, Handler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { AppEnv } from './context.ts';

/**
 * Adds a route and its contract: the contract goes into the OpenAPI document, the handler reads and
 * checks its own input. (@hono/zod-openapi's validators would answer bad input in their own format;
 * OAuth endpoints must answer it in OAuth's.)
 */
export function addRoute(app: OpenAPIHono<AppEnv>, contract: RouteConfig, handler: Handler<AppEnv>): void {
  app.openAPIRegistry.registerPath(contract);
  app.on(contract.method.toUpperCase(), contract.path, handler);
}

/** The route pattern that answers this request (`/validate`), or undefined when none does (a 404). */
export function endpointRoute(c: Context): string | undefined {
  // `app.use` middleware is registered for method ALL; an endpoint has a method of its own.
  return matchedRoutes(c).findLast((route) => route.method !== 'ALL')?.path;
}
