import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** One row per document: its current state. Ids are UUIDv7, so ordering by id is ordering by creation. */
export const documents = pgTable(
  'documents',
  {
    id: uuid('id').primaryKey(),
    form: text('form').notNull(),
    version: integer('version').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    // The data's size as the JSON text a reader receives, kept by PostgreSQL on every write so that a list can
    // end its page at a byte bound from this column alone, without reading (and detoasting) the data itself.
    dataBytes: integer('data_bytes')
      .generatedAlwaysAs(sql`octet_length(data::text)`)
      .notNull(),
    createdBy: text('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedBy: text('updated_by'),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
    deletedBy: text('deleted_by'),
    deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    // Keyset pages of a form's live documents, newest first, stay an index range scan at any size. Ascending on
    // purpose: read backwards it matches `order by id desc` (nulls first), which a DESC NULLS LAST index would not.
    index('documents_form_live_idx').on(t.form, t.id).where(sql`${t.deletedAt} is null`),
    index('documents_form_deleted_idx').on(t.form, t.id).where(sql`${t.deletedAt} is not null`),
    // `mine=true` and read_own callers list by creator.
    index('documents_form_creator_idx').on(t.form, t.createdBy, t.id),
  ],
);

export type VersionAction = 'create' | 'update' | 'delete' | 'restore';

/** A field's value before and after one change; absent on one side when the field was added or cleared. */
export interface FieldChange {
  field: string;
  from?: unknown;
  to?: unknown;
}

/** Every state a document has been in, with who made it and what changed. */
export const documentVersions = pgTable(
  'document_versions',
  {
    documentId: uuid('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    action: text('action').$type<VersionAction>().notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    changes: jsonb('changes').$type<FieldChange[]>().notNull(),
    actor: text('actor'),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.documentId, t.version] })],
);

export type RevocationKind = 'user' | 'token';

/**
 * The revocations `--auth-protocol jwt` must keep refusing (nothing is asked again): a user's tokens issued
 * up to `revoked_at`, or one token (`subject` is then its SHA-256 key, never the token), until `expires_at`,
 * when every such token has expired anyway. Kept here so that a replica started later refuses them too.
 */
export const authRevocations = pgTable(
  'auth_revocations',
  {
    kind: text('kind').$type<RevocationKind>().notNull(),
    subject: text('subject').notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.subject] }), index('auth_revocations_expires_idx').on(t.expiresAt)],
);

/** A document as the service sees it; `dataBytes` is the database's own bookkeeping. */
export type DocumentRow = Omit<typeof documents.$inferSelect, 'dataBytes'>;
export type VersionRow = typeof documentVersions.$inferSelect;
