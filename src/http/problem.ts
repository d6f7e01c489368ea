import { STATUS_CODES } from 'node:http';

/**
 * RFC 9457 problem details. Handlers throw a ProblemError at the HTTP edge; the app's error handler
 * turns it (and anything else) into an `application/problem+json` response.
 */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}

export function problemBody(status: number, detail: string, extensions: Record<string, unknown> = {}, instance?: string): ProblemBody {
  // `about:blank` says the status code is the whole type; `detail` carries what this occurrence means.
  return {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    ...(instance !== undefined ? { instance } : {}),
    ...extensions,
  };
}

export function problemResponse(problem: ProblemBody, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
  });
}
