import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { RouteProtection } from '../auth/protection.ts';

/**
 * Route groups are mounted with the protection they declare. The guard is registered on each of the
 * group's own routes (method and pattern), never as `use('*')`: a sub-app's `*` middleware mounted at '/'
 * would run for every path of the parent, so a path outside the group would be protected by accident.
 * A request no group has a route for meets no guard at all.
 */

export type Guard = (declared: RouteProtection) => MiddlewareHandler<any>;

/** `METHOD /pattern` → what its group declared, per app; `declaredProtections` reads it for tests. */
const declarations = new WeakMap<object, Map<string, RouteProtection>>();

function declared(app: object): Map<string, RouteProtection> {
  let map = declarations.get(app);
  if (map === undefined) declarations.set(app, (map = new Map()));
  return map;
}

export function mountGroup(app: OpenAPIHono<any>, protection: RouteProtection, group: OpenAPIHono<any>, guard: Guard): void {
  const mine = declared(app);
  const middleware = guard(protection);
  const seen = new Set<string>();
  for (const { method, path } of group.routes) {
    if (method === 'ALL') throw new Error(`a route group must not register middleware for every method (${path}): it would reach past the group`);
    const key = `${method} ${path}`;
    // One guard per route, though a group may register several handlers on it (documents' JSON body guard).
    if (seen.has(key)) continue;
    seen.add(key);
    // Another group's route: mounting this one would leave it with the first group's guard, not its own.
    if (mine.has(key)) throw new Error(`${key} is declared by two route groups; each route belongs to one`);
    mine.set(key, protection);
    app.on(method, path, middleware);
  }
  app.route('/', group);
}

/** Mounts an app whose routes are guarded already (the API app on the host), keeping their declarations. */
export function mountGuarded(parent: OpenAPIHono<any>, child: OpenAPIHono<any>): void {
  const into = declared(parent);
  for (const [key, protection] of declared(child)) into.set(key, protection);
  parent.route('/', child);
}

/**
 * The web client's pages: every path no other group answered goes to it (its own 404 page included). Open
 * at this level: the pages decide nothing, each API call they make meets the API's own guards.
 */
export function mountFallback(app: OpenAPIHono<any>, handler: (c: Context) => Response | Promise<Response>): void {
  declared(app).set('ALL *', 'open');
  app.all('*', handler);
}

export function declaredProtections(app: object): ReadonlyMap<string, RouteProtection> {
  return declared(app);
}
