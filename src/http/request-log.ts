import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { acceptedRequestId } from './request-id.ts';

/** Read with `c.get(name)`: `c.var` copies every variable into a new object on each access. */
export type RequestVariables = {
  requestId: string;
  log: Logger;
  failure?: FailureSummary;
  /** Where the caller's identity came from (`hit`, `miss`, `coalesced`, `stale`, `uncached`), when a token was sent. */
  auth?: string;
  /** The identified caller's id: who did it, never how they proved it. */
  userId?: string;
};

/** What the request line says about an unexpected error: enough to find the cause, never the data. */
export interface FailureSummary {
  type: string;
  message: string;
  code?: string;
  stack?: string;
}

/**
 * Takes or makes the request id, returns it, gives handlers a logger bound to it, and writes one line per
 * request. The line holds the path without its query string, which may carry things nobody should log.
 */
export function requestLog(logger: Logger): MiddlewareHandler<{ Variables: RequestVariables }> {
  return async (c, next) => {
    // A caller's id that is not acceptable is replaced, so every request has one to join its lines by.
    const requestId = acceptedRequestId(c.req.header('x-request-id')) ?? randomUUID();
    const log = logger.child({ requestId });
    c.set('requestId', requestId);
    c.set('log', log);
    // Set before the handler runs, so responses made through the context carry it for free; setting a header
    // on a finished response makes the adapter build a full Response (a measurable share of a fast request).
    c.header('x-request-id', requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      // Problem responses from onError are made apart from the context and do not have it yet.
      if (!c.res.headers.has('x-request-id')) c.header('x-request-id', requestId);
      const status = c.res.status;
      const line = {
        method: c.req.method,
        path: c.req.path,
        status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        ...(c.get('userId') !== undefined ? { userId: c.get('userId') } : {}),
        ...(c.get('auth') !== undefined ? { auth: c.get('auth') } : {}),
        ...(c.get('failure') ? { error: c.get('failure') } : {}),
      };
      if (status >= 500) log.error(line, 'request failed');
      else log.info(line, 'request');
    }
  };
}

/**
 * The innermost cause of an error. Query-builder errors wrap the driver's and put the query's parameters,
 * which are people's form answers, in their own message, so only the driver's message is kept.
 */
export function summarizeFailure(error: unknown): FailureSummary {
  let inner: unknown = error;
  for (let depth = 0; depth < 5 && inner instanceof Error && inner.cause instanceof Error; depth++) inner = inner.cause;
  if (!(inner instanceof Error)) return { type: typeof inner, message: String(inner).slice(0, 500) };
  const code = (inner as { code?: unknown }).code;
  return {
    type: inner.name,
    message: inner.message.slice(0, 500),
    ...(typeof code === 'string' ? { code } : {}),
    ...(inner.stack ? { stack: inner.stack } : {}),
  };
}
