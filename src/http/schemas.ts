import { z } from '@hono/zod-openapi';

/** Response shapes shared by every route group. */

export const Problem = z
  .object({
    type: z.string().openapi({ example: 'about:blank' }),
    title: z.string().openapi({ example: 'Not Found' }),
    status: z.number().int().openapi({ example: 404 }),
    detail: z.string().openapi({ example: 'There is no form "contacts".' }),
    instance: z.string().optional().openapi({ description: 'The path of the request that failed.' }),
    requestId: z.string().optional().openapi({ description: 'The `x-request-id` of the request, to find it in the logs.' }),
  })
  .openapi('Problem', { description: 'An RFC 9457 problem.' });

export const ValidationProblem = Problem.extend({
  errors: z
    .array(
      z.object({
        path: z.string().openapi({ description: 'JSON Pointer to the offending value; "" for the whole body.', example: '/email' }),
        message: z.string().openapi({ example: 'must be a valid email address' }),
      }),
    )
    .openapi({ description: 'One entry per invalid value.' }),
}).openapi('ValidationProblem');

const problemContent = (schema: z.ZodType = Problem) => ({ 'application/problem+json': { schema } });

/** The error responses a route can give, by status, for its contract. */
export const problems = {
  400: { description: 'The request is malformed (query, JSON, header).', content: problemContent(ValidationProblem) },
  403: { description: 'The caller may not do this on this form.', content: problemContent() },
  404: { description: 'No such form or document (or the caller may not see it).', content: problemContent() },
  409: { description: 'The document is not in a state that allows this.', content: problemContent() },
  412: { description: 'If-Match names a version that is no longer current.', content: problemContent() },
  413: { description: 'The body is larger than --max-body.', content: problemContent() },
  415: { description: 'The body is not JSON.', content: problemContent() },
  422: { description: 'The body is JSON but breaks the form’s rules; `errors` lists each problem.', content: problemContent(ValidationProblem) },
  503: { description: 'The database is unavailable; retry after `Retry-After` seconds.', content: problemContent() },
} as const;

export function pickProblems<const S extends keyof typeof problems>(...statuses: S[]): Pick<typeof problems, S> {
  return Object.fromEntries(statuses.map((s) => [s, problems[s]])) as Pick<typeof problems, S>;
}
