import { createRoute, z } from '@hono/zod-openapi';
import { pickProblems } from '../http/schemas.ts';
import { PAGE_MAX_BYTES } from './page-bounds.ts';

/** The contract of the documents API: paths, inputs and responses. Handlers live in handlers.ts. */

const FormParam = z.string().openapi({ param: { name: 'form', in: 'path' }, description: 'The form name.', example: 'contact' });
const IdParam = z.string().openapi({ param: { name: 'id', in: 'path' }, description: 'The document id (a UUID).', example: '0193a0b2-6c1e-7d2a-9f3b-2a1c5e4d3f21' });

const FormPath = z.object({ form: FormParam });
const DocumentPath = z.object({ form: FormParam, id: IdParam });

const Data = z.record(z.string(), z.unknown()).openapi('DocumentData', {
  description: 'The field values; their rules are the form’s JSON Schema (GET /api/v1/forms/{form}).',
  example: { name: 'Ada Lovelace', email: 'ada@example.org', message: 'Hello' },
});

const Timestamp = z.string().openapi({ format: 'date-time' });

export const DocumentSchema = z
  .object({
    id: z.string().openapi({ format: 'uuid' }),
    form: z.string(),
    version: z.number().int().openapi({ description: 'Starts at 1 and grows by one with every change; the ETag carries it.' }),
    data: Data,
    createdAt: Timestamp,
    createdBy: z.string().nullable().openapi({ description: 'The creator’s user id; null for an anonymous caller.' }),
    updatedAt: Timestamp,
    updatedBy: z.string().nullable(),
    deletedAt: Timestamp.nullable().openapi({ description: 'Set while the document is deleted (soft delete).' }),
    deletedBy: z.string().nullable(),
  })
  .openapi('Document');

const Page = z
  .object({
    items: z.array(DocumentSchema),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next page; null on the last page. A page may end before `limit` and still have one.' }),
  })
  .openapi('DocumentPage');

const FieldChange = z
  .object({ field: z.string(), from: z.unknown().optional(), to: z.unknown().optional() })
  .openapi('FieldChange', { description: '`from` is absent when the field was added, `to` when it was cleared.' });

const Version = z
  .object({
    version: z.number().int(),
    action: z.enum(['create', 'update', 'delete', 'restore']),
    at: Timestamp,
    by: z.string().nullable(),
    changes: z.array(FieldChange),
    data: Data,
  })
  .openapi('DocumentVersion');

const History = z.object({ items: z.array(Version) }).openapi('DocumentHistory');

const flag = (description: string) =>
  z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .openapi({ description, type: 'string', enum: ['true', 'false'], default: 'false' });

const ListQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .default(50)
    .openapi({ description: 'Documents per page, 1 to 200.', type: 'integer', minimum: 1, maximum: 200, default: 50 }),
  cursor: z.string().max(200).optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
  mine: flag('Only documents the caller created.'),
  deleted: flag('List deleted documents instead of live ones.'),
});

const IfMatch = z.object({
  // Header validation matches names case-insensitively, so the contract can spell the header as RFC 9110 does.
  'If-Match': z
    .string()
    .optional()
    .openapi({ description: 'Apply the change only if the document is still at this ETag (`*`: at any version); else 412.', example: '"3"' }),
});

const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const etag = { ETag: { schema: { type: 'string' as const }, description: 'The document’s version, quoted, for If-Match.', example: '"1"' } };
// The body's schema is given as a reference, not a zod schema, on purpose: the JSON guard (http/json-body.ts)
// is then the one judge of media type and syntax, and the form's own validation the judge of content.
const body = (description: string) => ({
  required: true,
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/DocumentData' } } },
});

export const createDocument = createRoute({
  method: 'post',
  path: '/api/v1/forms/{form}/documents',
  operationId: 'createDocument',
  tags: ['documents'],
  summary: 'Submit a document to a form',
  request: { params: FormPath, body: body('The field values; defaults fill the fields left out.') },
  responses: {
    201: {
      ...json(DocumentSchema, 'Created.'),
      headers: { ...etag, Location: {
        schema: { type: 'string', format: 'uri-reference' },
        description: 'The new document’s path.',
        example: '/api/v1/forms/contact/documents/0193a0b2-6c1e-7d2a-9f3b-2a1c5e4d3f21',
      } },
    },
    ...pickProblems(400, 401, 403, 404, 413, 415, 422, 502, 503),
  },
});

export const listDocuments = createRoute({
  method: 'get',
  path: '/api/v1/forms/{form}/documents',
  operationId: 'listDocuments',
  tags: ['documents'],
  summary: 'List a form’s documents, newest first, a page at a time (or all of them as CSV)',
  description:
    `A page holds at most \`limit\` documents and at most ${PAGE_MAX_BYTES / 2 ** 20} MiB of document data (the \`data\` ` +
    'members as JSON text): it ends early, with a `nextCursor`, when the next document would pass that bound. ' +
    'Its first document is always on it, however large (one document can be as large as the server’s body limit), ' +
    'so such a document comes alone on its page. Follow `nextCursor` until it is null to see every document once.',
  request: { params: FormPath, query: ListQuery },
  responses: {
    200: {
      description:
        'One page as JSON; or, when the Accept header prefers `text/csv` to `application/json` (by q-value; JSON on a tie), ' +
        'every document the caller may read, as one CSV file.',
      content: {
        'application/json': { schema: Page },
        'text/csv': {
          schema: z.string().openapi({
            description:
              'RFC 4180 with CRLF line ends and a header row: `id`, the form’s fields in definition order, `created_by`, `created_at`, ' +
              '`updated_by`, `updated_at`, and `deleted_at` with `deleted=true`. Every document in list order (newest first) with the ' +
              'same `mine`, `deleted` and `cursor` as the list; `limit` does not cut it. Booleans are `true`/`false`, multiselect ' +
              'choices are joined with `; `, numbers, dates and times are as stored; a text cell starting with `=`, `+`, `-`, `@`, ' +
              'tab or CR gets a leading `\'` so spreadsheets do not run it as a formula. A failure after the first byte cuts the ' +
              'transfer off before its end.',
            example: 'id,title,priority,created_by,created_at,updated_by,updated_at\r\n',
          }),
        },
      },
      headers: {
        'Content-Disposition': {
          schema: { type: 'string' },
          description: 'With CSV only: `attachment; filename="<form>-documents.csv"`.',
          example: 'attachment; filename="contact-documents.csv"',
        },
      },
    },
    ...pickProblems(400, 401, 403, 404, 502, 503),
  },
});

export const getDocument = createRoute({
  method: 'get',
  path: '/api/v1/forms/{form}/documents/{id}',
  operationId: 'getDocument',
  tags: ['documents'],
  summary: 'Read a document',
  request: { params: DocumentPath },
  responses: { 200: { ...json(DocumentSchema, 'The document.'), headers: etag }, ...pickProblems(401, 403, 404, 502, 503) },
});

export const patchDocument = createRoute({
  method: 'patch',
  path: '/api/v1/forms/{form}/documents/{id}',
  operationId: 'patchDocument',
  tags: ['documents'],
  summary: 'Change some fields of a document (merge; null clears a field)',
  request: { params: DocumentPath, headers: IfMatch, body: body('The fields to change; `null` clears an optional field.') },
  responses: {
    200: { ...json(DocumentSchema, 'The changed document.'), headers: etag },
    ...pickProblems(400, 401, 403, 404, 409, 412, 413, 415, 422, 502, 503),
  },
});

export const deleteDocument = createRoute({
  method: 'delete',
  path: '/api/v1/forms/{form}/documents/{id}',
  operationId: 'deleteDocument',
  tags: ['documents'],
  summary: 'Delete a document (soft: it can be restored)',
  request: { params: DocumentPath, headers: IfMatch },
  responses: { 204: { description: 'Deleted.' }, ...pickProblems(400, 401, 403, 404, 409, 412, 502, 503) },
});

export const restoreDocument = createRoute({
  method: 'post',
  path: '/api/v1/forms/{form}/documents/{id}/restore',
  operationId: 'restoreDocument',
  tags: ['documents'],
  summary: 'Restore a deleted document',
  request: { params: DocumentPath, headers: IfMatch },
  responses: { 200: { ...json(DocumentSchema, 'The restored document.'), headers: etag }, ...pickProblems(400, 401, 403, 404, 409, 412, 502, 503) },
});

export const documentHistory = createRoute({
  method: 'get',
  path: '/api/v1/forms/{form}/documents/{id}/history',
  operationId: 'getDocumentHistory',
  tags: ['documents'],
  summary: 'Every version of a document: who, when and what changed',
  request: { params: DocumentPath },
  responses: { 200: json(History, 'Oldest version first.'), ...pickProblems(401, 403, 404, 502, 503) },
});
