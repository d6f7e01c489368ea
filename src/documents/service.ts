import { callerId, type Caller } from '../auth/caller.ts';
import type { Db } from '../db/connect.ts';
import type { DocumentRow, FieldChange, VersionAction, VersionRow } from '../db/schema.ts';
import type { CompiledForm, FieldError } from '../forms/index.ts';
import { abilitiesFor, isJsonObject, jsonPointer, MAX_FIELD_ERRORS, reaches, unknownFields } from '../forms/index.ts';
import { err, ok, type Result } from '../result.ts';
import { applyPatch, diffData } from './changes.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { newDocumentId } from './ids.ts';
import { PAGE_MAX_BYTES } from './page-bounds.ts';
import * as store from './store.ts';

/** The rules of a document's life: who may do what, validation, versions and history. */

export type DocumentError =
  | { kind: 'not_found'; detail: string }
  | { kind: 'forbidden'; detail: string }
  | { kind: 'conflict'; detail: string }
  | { kind: 'precondition_failed'; detail: string }
  | { kind: 'bad_request'; detail: string }
  | { kind: 'invalid'; detail: string; errors: FieldError[] };

export interface DocumentView {
  id: string;
  form: string;
  version: number;
  data: Record<string, unknown>;
  createdAt: string;
  createdBy: string | null;
  updatedAt: string;
  updatedBy: string | null;
  deletedAt: string | null;
  deletedBy: string | null;
}

export interface VersionView {
  version: number;
  action: VersionAction;
  at: string;
  by: string | null;
  changes: FieldChange[];
  data: Record<string, unknown>;
}

export interface Page {
  items: DocumentView[];
  nextCursor: string | null;
}

/** `any` for `If-Match: *`; otherwise the versions the client last saw. Undefined: no precondition. */
export type VersionPrecondition = 'any' | readonly number[] | undefined;

export interface ListOptions {
  limit: number;
  cursor?: string;
  mine: boolean;
  deleted: boolean;
}

/** What every service call works in: the database, the form and who is asking. */
export interface Context {
  db: Db;
  form: CompiledForm;
  caller: Caller;
}

export async function createDocument(ctx: Context, body: unknown): Promise<Result<DocumentView, DocumentError>> {
  // The same answer GET /api/v1/me and the form routes report (auth/abilities.ts), so they cannot drift.
  if (!abilitiesFor(ctx.form.definition, ctx.caller).create) return err(forbidden(ctx, 'create documents in'));
  const valid = ctx.form.validate(body);
  if (!valid.ok) return err(invalid(valid.error));

  const now = new Date();
  const actor = callerId(ctx.caller);
  const row: store.NewDocument = {
    id: newDocumentId(),
    form: ctx.form.definition.name,
    version: 1,
    data: valid.value,
    createdBy: actor,
    createdAt: now,
    updatedBy: actor,
    updatedAt: now,
    deletedBy: null,
    deletedAt: null,
  };
  await store.insertDocument(ctx.db, row, diffData({}, row.data));
  return ok(toView(ctx, row));
}

export async function getDocument(ctx: Context, id: string): Promise<Result<DocumentView, DocumentError>> {
  const found = await readable(ctx, await store.findDocument(ctx.db, ctx.form.definition.name, id), id);
  return found.ok ? ok(toView(ctx, found.value)) : found;
}

export async function listDocuments(ctx: Context, options: ListOptions): Promise<Result<Page, DocumentError>> {
  const scope = abilitiesFor(ctx.form.definition, ctx.caller).read;
  if (scope === 'none') return err(forbidden(ctx, 'read documents of'));

  let before: string | undefined;
  if (options.cursor !== undefined) {
    before = decodeCursor(options.cursor);
    if (before === undefined) return err({ kind: 'bad_request', detail: 'The cursor is not one this server issued; start again without it.' });
  }
  // Callers who may only read their own documents get `mine` whether they asked or not.
  const onlyOwn = options.mine || scope === 'own';
  const actor = callerId(ctx.caller);
  if (onlyOwn && actor === null) return ok({ items: [], nextCursor: null });

  const { rows, more } = await store.listDocuments(ctx.db, {
    form: ctx.form.definition.name,
    limit: options.limit,
    maxBytes: PAGE_MAX_BYTES,
    deleted: options.deleted,
    ...(before !== undefined ? { before } : {}),
    ...(onlyOwn && actor !== null ? { createdBy: actor } : {}),
  });
  const last = rows.at(-1);
  return ok({ items: rows.map((row) => toView(ctx, row)), nextCursor: more && last ? encodeCursor(last.id) : null });
}

export function patchDocument(
  ctx: Context,
  id: string,
  patch: unknown,
  precondition: VersionPrecondition,
): Promise<Result<DocumentView, DocumentError>> {
  return change(ctx, id, 'update', precondition, (row) => {
    if (row.deletedAt !== null) return err(conflict('is deleted; restore it before changing it'));
    if (!isJsonObject(patch)) return err(invalid([{ path: '', message: 'must be a JSON object' }]));
    // Clearing a field the form does not have is a typo worth reporting, not a no-op. Past the cap the
    // list is cut anyway, so a patch of a hundred thousand unknown keys is not merged into the document.
    const unknown = unknownFields(patch, ctx.form.definition, MAX_FIELD_ERRORS + 1);
    const strays = unknown.length > MAX_FIELD_ERRORS ? unknown : unknown.filter((field) => patch[field] === null);
    if (strays.length > 0) return err(invalid(strays.map((field) => ({ path: jsonPointer([field]), message: 'unknown field' }))));
    const valid = ctx.form.validate(applyPatch(row.data, patch));
    if (!valid.ok) return err(invalid(valid.error));
    return ok({ data: valid.value, deletedAt: null, deletedBy: null });
  });
}

export function deleteDocument(ctx: Context, id: string, precondition: VersionPrecondition): Promise<Result<DocumentView, DocumentError>> {
  return change(ctx, id, 'delete', precondition, (row, now, actor) =>
    row.deletedAt !== null ? err(conflict('is already deleted')) : ok({ data: row.data, deletedAt: now, deletedBy: actor }),
  );
}

export function restoreDocument(ctx: Context, id: string, precondition: VersionPrecondition): Promise<Result<DocumentView, DocumentError>> {
  return change(ctx, id, 'restore', precondition, (row) =>
    row.deletedAt === null ? err(conflict('is not deleted')) : ok({ data: row.data, deletedAt: null, deletedBy: null }),
  );
}

export async function documentHistory(ctx: Context, id: string): Promise<Result<VersionView[], DocumentError>> {
  const found = await readable(ctx, await store.findDocument(ctx.db, ctx.form.definition.name, id), id);
  if (!found.ok) return found;
  const versions = await store.listVersions(ctx.db, id);
  return ok(
    versions.map((v) => ({
      version: v.version,
      action: v.action,
      at: v.at.toISOString(),
      by: v.actor,
      changes: v.changes.map(({ field, from, to }) => ({ field, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) })),
      data: inFormOrder(ctx, v.data),
    })),
  );
}

type NextState = Pick<DocumentRow, 'data' | 'deletedAt' | 'deletedBy'>;

/**
 * One write path for every change: lock the row, check who may act and the client's precondition,
 * compute the next state, and record it as a new version unless nothing changed.
 */
async function change(
  ctx: Context,
  id: string,
  action: Exclude<VersionAction, 'create'>,
  precondition: VersionPrecondition,
  next: (row: DocumentRow, now: Date, actor: string | null) => Result<NextState, DocumentError>,
): Promise<Result<DocumentView, DocumentError>> {
  return ctx.db.transaction(async (tx) => {
    const found = await readable(ctx, await store.lockDocument(tx, ctx.form.definition.name, id), id);
    if (!found.ok) return found;
    const row = found.value;
    const verb = action === 'update' ? 'update' : 'delete';
    if (!reaches(abilitiesFor(ctx.form.definition, ctx.caller)[verb], ctx.caller, row)) return err(forbidden(ctx, action === 'restore' ? 'restore documents of' : `${verb} this document of`));
    if (precondition !== undefined && precondition !== 'any' && !precondition.includes(row.version)) {
      return err({
        kind: 'precondition_failed',
        detail: `The document is at version ${row.version}, not the one in If-Match; fetch it again and retry your change.`,
      });
    }

    const now = new Date();
    const actor = callerId(ctx.caller);
    const state = next(row, now, actor);
    if (!state.ok) return state;
    const changes = diffData(row.data, state.value.data);
    if (action === 'update' && changes.length === 0) return ok(toView(ctx, row));

    const updated: DocumentRow = { ...row, ...state.value, version: row.version + 1, updatedAt: now, updatedBy: actor };
    await store.writeVersion(tx, updated, versionOf(updated, action, changes));
    return ok(toView(ctx, updated));
  });
}

async function readable(ctx: Context, row: DocumentRow | undefined, id: string): Promise<Result<DocumentRow, DocumentError>> {
  const scope = abilitiesFor(ctx.form.definition, ctx.caller).read;
  if (scope === 'none') return err(forbidden(ctx, 'read documents of'));
  // A document the caller may not read is reported as missing, so its existence does not leak.
  if (!row || !reaches(scope, ctx.caller, row)) {
    return err({ kind: 'not_found', detail: `There is no document ${id} in form "${ctx.form.definition.name}".` });
  }
  return ok(row);
}

function versionOf(row: DocumentRow, action: VersionAction, changes: FieldChange[]): VersionRow {
  return { documentId: row.id, version: row.version, action, data: row.data, changes, actor: row.updatedBy, at: row.updatedAt };
}

function toView(ctx: Context, row: DocumentRow): DocumentView {
  return {
    id: row.id,
    form: row.form,
    version: row.version,
    data: inFormOrder(ctx, row.data),
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy,
    updatedAt: row.updatedAt.toISOString(),
    updatedBy: row.updatedBy,
    deletedAt: row.deletedAt?.toISOString() ?? null,
    deletedBy: row.deletedBy,
  };
}

// jsonb stores keys in its own order; people read documents in the order the form lists its fields.
function inFormOrder(ctx: Context, data: Record<string, unknown>): Record<string, unknown> {
  const ordered: Record<string, unknown> = {};
  for (const field of Object.keys(ctx.form.definition.fields)) if (Object.hasOwn(data, field)) ordered[field] = data[field];
  for (const [field, value] of Object.entries(data)) if (!Object.hasOwn(ordered, field)) ordered[field] = value;
  return ordered;
}

function forbidden(ctx: Context, what: string): DocumentError {
  const who = ctx.caller.kind === 'anonymous' ? 'Anonymous callers' : `${ctx.caller.kind === 'client' ? 'Client' : 'User'} ${ctx.caller.userId}`;
  return { kind: 'forbidden', detail: `${who} may not ${what} form "${ctx.form.definition.name}".` };
}

function conflict(what: string): DocumentError {
  return { kind: 'conflict', detail: `The document ${what}.` };
}

function invalid(errors: FieldError[]): DocumentError {
  // A body with thousands of unknown keys must not earn a response many times its size. Validation
  // stops one problem past the cap, so how many there are in all is not known.
  const shown = errors.slice(0, MAX_FIELD_ERRORS);
  if (errors.length > shown.length) {
    return { kind: 'invalid', detail: `The document has more than ${MAX_FIELD_ERRORS} problems; the first ${MAX_FIELD_ERRORS} are listed.`, errors: shown };
  }
  const fields = new Set(errors.map((e) => e.path)).size;
  return { kind: 'invalid', detail: `The document has ${fields} invalid field${fields === 1 ? '' : 's'}.`, errors: shown };
}
