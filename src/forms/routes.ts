import { createRoute, z } from '@hono/zod-openapi';
import { pickProblems } from '../http/schemas.ts';

/** The contract of the form-definition routes. */

const Scope = z.enum(['all', 'own', 'none']);

/** Shared with GET /api/v1/me, which reports the same object for every form. */
export const FormAbilities = z.object({ create: z.boolean(), read: Scope, update: Scope, delete: Scope }).openapi('FormAbilities', {
  description:
    'What this caller may do with documents of this form: `all` of them, their `own`, or `none`. It is what the API will answer: ' +
    'the `--protect` level of the `documents` domain (a caller without a token gets `false`/`none` where it needs one) and the form’s access rules, ' +
    'which stay on the server (they name the organisation’s groups). `update` and `delete` never reach further than `read`: ' +
    'a document is changed or deleted only by someone who may read it.',
});

const FormSummary = z
  .object({
    name: z.string().openapi({ example: 'contact' }),
    title: z.string().openapi({ example: 'Contact request' }),
    description: z.string().optional(),
    may: FormAbilities,
  })
  .openapi('FormSummary');

const FormDetail = FormSummary.extend({
  fields: z.record(z.string(), z.record(z.string(), z.unknown())).openapi({ description: 'The field definitions, in form order, as configured.' }),
  schema: z.record(z.string(), z.unknown()).openapi({ description: 'JSON Schema (2020-12) of a document’s data.' }),
}).openapi('Form');

export const listForms = createRoute({
  method: 'get',
  path: '/api/v1/forms',
  operationId: 'listForms',
  tags: ['forms'],
  summary: 'List the forms',
  responses: {
    200: { description: 'Every form, in configuration order.', content: { 'application/json': { schema: z.object({ items: z.array(FormSummary) }).openapi('FormList') } } },
    ...pickProblems(401, 502, 503),
  },
});

export const getForm = createRoute({
  method: 'get',
  path: '/api/v1/forms/{form}',
  operationId: 'getForm',
  tags: ['forms'],
  summary: 'A form’s definition and the JSON Schema of its documents',
  request: { params: z.object({ form: z.string().openapi({ param: { name: 'form', in: 'path' }, description: 'The form name.', example: 'contact' }) }) },
  responses: {
    200: { description: 'The form.', content: { 'application/json': { schema: FormDetail } } },
    ...pickProblems(401, 404, 502, 503),
  },
});
