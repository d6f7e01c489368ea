import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type TextMapGetter } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';
import { tracer } from '../telemetry.ts';
import type { AppEnv } from './context.ts';
import { endpointRoute } from './route.ts';

/**
 * One SERVER span per request, named `<METHOD> <route pattern>` and continuing the caller's trace from
 * its `traceparent`. Its attributes say which endpoint answered and how, never what was sent: no header
 * values, no body, no token. Without the tracing SDK these calls reach the API's no-op tracer.
 */

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

export function traceRequests(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const parent = propagation.extract(ROOT_CONTEXT, c.req.raw.headers, headerGetter);
    const route = endpointRoute(c);
    const span = tracer.startSpan(
      route === undefined ? c.req.method : `${c.req.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': c.req.method, 'url.path': c.req.path, ...(route === undefined ? {} : { 'http.route': route }) },
      },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), next);
    } finally {
      const status = c.res.status;
      span.setAttribute('http.response.status_code', status);
      // For a server, only its own failures are errors; a 4xx is the client's mistake (OTel HTTP semconv).
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  };
}
