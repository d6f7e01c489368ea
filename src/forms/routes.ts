import { createRoute, z } from '@hono/zod-openapi';
import { pickProblems } from '../http/schemas.ts';

/** The contract of the form-definition routes. */

const FormSummary = z
  .object({
    name: z.string().openapi({ example: 'contact' }),
    title: z.string().openapi({ example: 'Contact request' }),
    description: z.string().optional(),
  })
  .openapi('FormSummary');

const FormDetail = FormSummary.extend({
  fields: z.record(z.string(), z.record(z.string(), z.unknown())).openapi({ description: 'The field definitions, in form order, as configured.' }),
  access: z
    .record(z.string(), z.array(z.string()))
    .optional()
    .openapi({ description: 'Group → permissions; absent when every caller may do everything.' }),
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
