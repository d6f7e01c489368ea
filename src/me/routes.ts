import { createRoute, z } from '@hono/zod-openapi';
import { FormAbilities } from '../forms/routes.ts';
import { pickProblems } from '../http/schemas.ts';

/** The contract of the caller's own view: who they are, and what they may do on each form. */

const Me = z
  .object({
    caller: z.object({
      authenticated: z.boolean().openapi({ description: 'false for a request without a token.' }),
      kind: z.enum(['anonymous', 'person', 'client']).openapi({
        description:
          '`anonymous` for a request without a token; `client` for a machine client, a token without an end user ' +
          '(client-credentials grant) whose `userId` is its OAuth client id; `person` for every other token.',
      }),
      userId: z.string().optional(),
      name: z.string().optional(),
      email: z.string().optional(),
      groups: z.array(z.string()),
      scopes: z.array(z.string()),
    }),
    forms: z.array(
      z.object({
        name: z.string(),
        title: z.string(),
        may: FormAbilities,
      }),
    ),
  })
  .openapi('Me');

export const getMe = createRoute({
  method: 'get',
  path: '/api/v1/me',
  operationId: 'getMe',
  tags: ['auth'],
  summary: 'Who the caller is, and what they may do on each form',
  description: 'It belongs to the `forms` protection domain: where that domain is open, a request without a token gets the anonymous caller.',
  responses: {
    200: { description: 'The caller and their abilities.', content: { 'application/json': { schema: Me } } },
    ...pickProblems(401, 502, 503),
  },
});
