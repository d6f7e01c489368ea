import type { Hook } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { isDatabaseUnavailable } from '../db/errors.ts';
import { jsonPointer } from '../forms/index.ts';
import { ProblemError, problemBody, problemResponse } from '../http/problem.ts';
import { summarizeFailure, type RequestVariables } from '../http/request-log.ts';

/** How the API (and, for its own few routes, the host) answers what went wrong: RFC 9457 problems. */

type Env = { Variables: RequestVariables };

/** A request no route answers; the same sentence on the host and in the API. */
export function nothingHere(c: Context): ProblemError {
  return new ProblemError(404, `There is nothing at ${c.req.method} ${c.req.path.slice(0, 200)}; see /docs for the API.`);
}

export function answerError<E extends Env>(error: Error, c: Context<E>): Response {
  const { status, detail, extensions, headers } = describeError(error);
  // The request's own log line carries the cause, so one failure is one line.
  if (status >= 500 && !(error instanceof ProblemError)) c.set('failure', summarizeFailure(error));
  return problemResponse(problemBody(status, detail, { ...extensions, requestId: c.get('requestId') }, c.req.path), headers);
}

function describeError(error: Error): Pick<ProblemError, 'status' | 'detail' | 'extensions' | 'headers'> {
  if (error instanceof ProblemError) return error;
  if (isDatabaseUnavailable(error)) {
    return { status: 503, detail: 'The database is unavailable; retry shortly.', extensions: {}, headers: { 'Retry-After': '5' } };
  }
  if (error instanceof HTTPException && error.status < 500) return { status: error.status, detail: error.message || 'The request could not be read.', extensions: {}, headers: {} };
  return { status: 500, detail: 'Formgate failed to handle this request; the log has the details under this requestId.', extensions: {}, headers: {} };
}

/** Input that breaks a route's contract: 422 for a JSON body, 400 for the query, path or headers. */
export const rejectInvalidInput: Hook<unknown, any, string, unknown> = (result) => {
  if (result.success) return;
  const errors = result.error.issues.map((issue) => ({ path: jsonPointer(issue.path), message: issue.message }));
  if (result.target === 'json') throw new ProblemError(422, 'The body must be a JSON object of field values.', { errors });
  throw new ProblemError(400, `The request's ${result.target === 'param' ? 'path' : result.target} is malformed.`, { errors });
};
