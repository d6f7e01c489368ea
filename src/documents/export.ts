import { err, ok, type Result } from '../result.ts';
import { listDocuments, type Context, type DocumentError, type DocumentView, type Page } from './service.ts';

/**
 * Every document a list would show, read a batch at a time by walking the list's own keyset pages: the same
 * visibility, filters, order and byte bound as GET …/documents, so the export cannot show more than the list.
 *
 * Each batch is one short query; no database connection or transaction is held between batches, so a slow
 * reader holds nothing but the batch it has not taken yet. The cost of that: the export is not one snapshot.
 * A document made during the export is newer than the walk's position and is not in it; one deleted or
 * changed during it may or may not be, as when a client follows the cursors itself.
 */

/** Documents per batch: the list's largest page. The list's byte bound (page-bounds.ts) may end a batch earlier. */
export const EXPORT_BATCH = 200;

export interface ExportOptions {
  cursor?: string;
  mine: boolean;
  deleted: boolean;
}

/**
 * Reads the first batch before answering, so what can go wrong before the first byte (not allowed, a bad
 * cursor, the database down) is an error value or a thrown error here, not a broken file later.
 */
export async function exportDocuments(ctx: Context, options: ExportOptions): Promise<Result<AsyncGenerator<DocumentView[]>, DocumentError>> {
  const first = await listDocuments(ctx, { ...options, limit: EXPORT_BATCH });
  return first.ok ? ok(batches(ctx, options, first.value)) : err(first.error);
}

// Bounded by the documents themselves: every cursor is an id smaller than the one before it.
async function* batches(ctx: Context, options: ExportOptions, first: Page): AsyncGenerator<DocumentView[]> {
  let page = first;
  yield page.items;
  while (page.nextCursor !== null) {
    const next = await listDocuments(ctx, { mine: options.mine, deleted: options.deleted, limit: EXPORT_BATCH, cursor: page.nextCursor });
    // Nothing about the caller or the form changes between batches, so this would be a bug, not a user error.
    if (!next.ok) throw new Error(`a later export batch was refused (${next.error.kind})`);
    page = next.value;
    yield page.items;
  }
}
