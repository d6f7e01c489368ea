import { OpenAPIHono } from '@hono/zod-openapi';
import type { Caller } from '../auth/caller.ts';
import type { Db } from '../db/connect.ts';
import type { FormRegistry } from '../forms/index.ts';
import { findForm } from '../forms/lookup.ts';
import { jsonBody } from '../http/json-body.ts';
import { etagOf, parseIfMatch } from '../http/preconditions.ts';
import { prefers } from '../http/negotiate.ts';
import { ProblemError } from '../http/problem.ts';
import { summarizeFailure, type RequestVariables } from '../http/request-log.ts';
import type { Result } from '../result.ts';
import { csvHeaders, csvStream } from './csv-response.ts';
import { exportDocuments } from './export.ts';
import { isDocumentId } from './ids.ts';
import * as routes from './routes.ts';
import * as service from './service.ts';

export interface DocumentDeps {
  db: Db;
  forms: FormRegistry;
  maxBodyBytes: number;
}

type Env = { Variables: RequestVariables & { caller: Caller } };

const STATUS: Record<service.DocumentError['kind'], number> = {
  bad_request: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  invalid: 422,
};

/** Turns HTTP requests into service calls and service results into responses; the rules live in service.ts. */
export function documentRoutes(deps: DocumentDeps) {
  const app = new OpenAPIHono<Env>();
  // The JSON guard parses each body once (Hono caches it for c.req.json()); the form's validation judges it.
  const body = jsonBody(deps.maxBodyBytes);
  app.on(['POST'], ['/api/v1/forms/:form/documents'], ...body);
  app.on(['PATCH'], ['/api/v1/forms/:form/documents/:id'], ...body);

  const context = (caller: Caller, formName: string) => ({ db: deps.db, caller, form: findForm(deps.forms, formName) });

  app.openapi(routes.createDocument, async (c) => {
    const { form } = c.req.valid('param');
    const doc = unwrap(await service.createDocument(context(c.get('caller'), form), await c.req.json()));
    c.header('Location', `/api/v1/forms/${encodeURIComponent(form)}/documents/${doc.id}`);
    c.header('ETag', etagOf(doc.version));
    return c.json(doc, 201);
  });

  app.openapi(routes.listDocuments, async (c) => {
    const { form } = c.req.valid('param');
    const { limit, cursor, mine, deleted } = c.req.valid('query');
    const ctx = context(c.get('caller'), form);
    const options = { mine, deleted, ...(cursor !== undefined ? { cursor } : {}) };
    // The same URL answers JSON or CSV by the Accept header, and what it lists depends on the caller.
    c.header('Vary', 'Accept, Authorization');
    if (!prefers(c.req.header('accept'), 'text/csv', 'application/json')) {
      return c.json(unwrap(await service.listDocuments(ctx, { ...options, limit })), 200);
    }
    const batches = unwrap(await exportDocuments(ctx, options));
    const log = c.get('log');
    const stream = csvStream(ctx.form.definition, { deleted }, batches, (error) => {
      // The request's own line is written already, with its 200: this line is the one that tells.
      log.error({ form, error: summarizeFailure(error) }, 'CSV export failed after its first byte; the transfer was cut off');
    });
    return c.body(stream, 200, csvHeaders(ctx.form.definition.name));
  });

  app.openapi(routes.getDocument, async (c) => {
    const { form, id } = c.req.valid('param');
    const doc = unwrap(await service.getDocument(context(c.get('caller'), form), documentId(id, form)));
    c.header('ETag', etagOf(doc.version));
    return c.json(doc, 200);
  });

  app.openapi(routes.patchDocument, async (c) => {
    const { form, id } = c.req.valid('param');
    const ctx = context(c.get('caller'), form);
    const doc = unwrap(await service.patchDocument(ctx, documentId(id, form), await c.req.json(), parseIfMatch(c.req.header('if-match'))));
    c.header('ETag', etagOf(doc.version));
    return c.json(doc, 200);
  });

  app.openapi(routes.deleteDocument, async (c) => {
    const { form, id } = c.req.valid('param');
    const ctx = context(c.get('caller'), form);
    unwrap(await service.deleteDocument(ctx, documentId(id, form), parseIfMatch(c.req.header('if-match'))));
    return c.body(null, 204);
  });

  app.openapi(routes.restoreDocument, async (c) => {
    const { form, id } = c.req.valid('param');
    const ctx = context(c.get('caller'), form);
    const doc = unwrap(await service.restoreDocument(ctx, documentId(id, form), parseIfMatch(c.req.header('if-match'))));
    c.header('ETag', etagOf(doc.version));
    return c.json(doc, 200);
  });

  app.openapi(routes.documentHistory, async (c) => {
    const { form, id } = c.req.valid('param');
    return c.json({ items: unwrap(await service.documentHistory(context(c.get('caller'), form), documentId(id, form))) }, 200);
  });

  return app;
}

// An id that is not a UUID cannot name a document, and must not reach a uuid column as text.
function documentId(id: string, form: string): string {
  if (!isDocumentId(id)) throw new ProblemError(404, `There is no document ${id.slice(0, 100)} in form "${form}".`);
  return id.toLowerCase();
}

function unwrap<T>(result: Result<T, service.DocumentError>): T {
  if (result.ok) return result.value;
  const e = result.error;
  throw new ProblemError(STATUS[e.kind], e.detail, e.kind === 'invalid' ? { errors: e.errors } : {});
}
