import { z } from '@hono/zod-openapi';

/** Response shapes shared by every route group. */

export const Problem = z
  .object({
    type: z.string().openapi({ description: '`about:blank`: the status code says what kind of problem this is.', example: 'about:blank' }),
    title: z.string().openapi({ description: 'The status code’s reason phrase.', example: 'Not Found' }),
    status: z.number().int().openapi({ description: 'The HTTP status code, repeated.', example: 404 }),
    detail: z.string().openapi({ description: 'What went wrong with this request, for a person to read.', example: 'There is no form "contacts".' }),
    instance: z.string().optional().openapi({ description: 'The path of the request that failed.' }),
    requestId: z.string().optional().openapi({ description: 'The `x-request-id` of the request, to find it in the logs.' }),
  })
  .openapi('Problem', { description: 'An RFC 9457 problem.' });

const FieldError = z
  .object({
    path: z.string().openapi({ description: 'JSON Pointer to the offending value; "" for the whole body or parameter set.', example: '/email' }),
    message: z.string().openapi({ example: 'must be a valid email address' }),
  })
  .openapi('FieldError');

const FieldErrors = z.array(FieldError).openapi({ description: 'One entry per invalid value.' });

export const ValidationProblem = Problem.extend({ errors: FieldErrors }).openapi('ValidationProblem', {
  description: 'An RFC 9457 problem that lists every invalid value.',
});

/** A 400 names the invalid values when a path, query or header parameter breaks the contract; not for unreadable JSON. */
export const BadRequestProblem = Problem.extend({ errors: FieldErrors.optional() }).openapi('BadRequestProblem', {
  description: 'An RFC 9457 problem; `errors` lists the invalid parameters when there are any to name.',
});

const problemContent = (schema: z.ZodType = Problem) => ({ 'application/problem+json': { schema } });

const wwwAuthenticate = {
  'WWW-Authenticate': {
    schema: { type: 'string' as const },
    description: 'The Bearer challenge.',
    example: 'Bearer realm="formgate"',
  },
};

const retryAfter = {
  'Retry-After': { schema: { type: 'integer' as const, minimum: 0 }, description: 'Seconds to wait before trying again.', example: 5 },
};

/** The error responses a route can give, by status, for its contract. */
export const problems = {
  400: { description: 'The request is malformed (a parameter, a header or the JSON text).', content: problemContent(BadRequestProblem) },
  401: {
    description: 'The request needs a bearer token and has none, or it sent one that is not valid.',
    headers: wwwAuthenticate,
    content: problemContent(),
  },
  403: { description: 'The caller may not do this (on this form, or in the admin API).', content: problemContent() },
  404: { description: 'No such form or document (or the caller may not see it).', content: problemContent() },
  409: { description: 'The document is not in a state that allows this.', content: problemContent() },
  412: { description: 'If-Match names a version that is no longer current.', content: problemContent() },
  413: { description: 'The body is larger than --max-body.', content: problemContent() },
  415: { description: 'The body is not JSON.', content: problemContent() },
  422: { description: 'The body is JSON but breaks the form’s rules; `errors` lists each problem.', content: problemContent(ValidationProblem) },
  502: {
    description: "The identity service answered in a way its protocol does not allow; `detail` names the field, e.g. `The identity service didn't respond as expected at .userId: expected a non-empty string`.",
    content: problemContent(),
  },
  503: {
    description: 'The database or the identity service is unavailable; retry after `Retry-After` seconds.',
    headers: retryAfter,
    content: problemContent(),
  },
} as const;

export function pickProblems<const S extends keyof typeof problems>(...statuses: S[]): Pick<typeof problems, S> {
  return Object.fromEntries(statuses.map((s) => [s, problems[s]])) as Pick<typeof problems, S>;
}
