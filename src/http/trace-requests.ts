import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type TextMapGetter } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { tracer } from '../telemetry.ts';

const fromHeaders: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/**
 * One SERVER span per request, continuing the caller's W3C trace (`traceparent`) when there is one, and
 * active while the request runs so identity validation, queries and log lines join it. The span is named
 * by the route's pattern (`GET /api/v1/forms/:form/documents/:id`), never by the path, which holds ids.
 * It carries no header values, query strings or bodies: those may hold tokens and people's answers.
 */
export function traceRequests(): MiddlewareHandler {
  return async (c, next) => {
    const parent = propagation.extract(ROOT_CONTEXT, c.req.raw.headers, fromHeaders);
    const method = c.req.method;
    const span = tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': c.req.path } }, parent);
    try {
      await context.with(trace.setSpan(parent, span), next);
    } finally {
      nameByRoute(span, method, routeOf(c));
      const status = c.res.status;
      span.setAttribute('http.response.status_code', status);
      // A 4xx is the client's doing; only a 5xx marks Formgate's span as failed (OpenTelemetry's HTTP rules).
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  };
}

/**
 * For an app the host hands every path it has no route for (the web client): the host's router saw only
 * its catch-all, so the app names the request's span by its own route that answered (`GET /forms/:form`).
 */
export function nameSpanByRoute(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const span = trace.getActiveSpan();
    if (span !== undefined) nameByRoute(span, c.req.method, routeOf(c));
  };
}

function nameByRoute(span: Span, method: string, route: string | undefined): void {
  if (route === undefined) return;
  span.updateName(`${method} ${route}`);
  span.setAttribute('http.route', route);
}

/**
 * The pattern of the route that answered, or none for a request only middleware and catch-alls matched (a
 * 404): a catch-all is an `ALL` route, and may be matched after the route that answered.
 */
function routeOf(c: Parameters<MiddlewareHandler>[0]): string | undefined {
  return matchedRoutes(c).findLast((route) => route.method !== 'ALL')?.path;
}
