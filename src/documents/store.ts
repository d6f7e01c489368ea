import { and, asc, desc, eq, isNotNull, isNull, lt } from 'drizzle-orm';
import type { Db } from '../db/connect.ts';
import { traced } from '../db/tracing.ts';
import { documents, documentVersions, type DocumentRow, type VersionRow } from '../db/schema.ts';

/** All SQL about documents lives here; the service above it speaks in rows and decides the transactions. */

export interface ListQuery {
  form: string;
  limit: number;
  /** Only documents with a smaller id (older) than this one: the keyset cursor. */
  before?: string;
  /** Only documents created by this caller id. */
  createdBy?: string;
  deleted: boolean;
}

export const insertDocument = traced('INSERT documents', async (db: Db, row: DocumentRow, version: VersionRow): Promise<void> => {
  await db.insert(documents).values(row);
  await db.insert(documentVersions).values(version);
});

/** Reads a document; inside a transaction, `forUpdate` holds it until the transaction ends. */
export const findDocument = traced('SELECT documents', async (db: Db, form: string, id: string, forUpdate = false): Promise<DocumentRow | undefined> => {
  const query = db
    .select()
    .from(documents)
    .where(and(eq(documents.form, form), eq(documents.id, id)))
    .limit(1);
  const rows = forUpdate ? await query.for('update') : await query;
  return rows[0];
});

export const listDocuments = traced('SELECT documents', (db: Db, q: ListQuery): Promise<DocumentRow[]> => listQuery(db, q).execute());

/** The list query itself, apart from running it, so tests can ask the planner how it would run. */
export function listQuery(db: Db, q: ListQuery) {
  const conditions = [eq(documents.form, q.form), q.deleted ? isNotNull(documents.deletedAt) : isNull(documents.deletedAt)];
  if (q.before !== undefined) conditions.push(lt(documents.id, q.before));
  if (q.createdBy !== undefined) conditions.push(eq(documents.createdBy, q.createdBy));
  return db
    .select()
    .from(documents)
    .where(and(...conditions))
    .orderBy(desc(documents.id))
    .limit(q.limit);
}

/** Writes a new state of a document and its version entry; the caller holds the row lock. */
export const writeVersion = traced('UPDATE documents', async (db: Db, row: DocumentRow, version: VersionRow): Promise<void> => {
  await db
    .update(documents)
    .set({
      version: row.version,
      data: row.data,
      updatedBy: row.updatedBy,
      updatedAt: row.updatedAt,
      deletedBy: row.deletedBy,
      deletedAt: row.deletedAt,
    })
    .where(eq(documents.id, row.id));
  await db.insert(documentVersions).values(version);
});

export const listVersions = traced('SELECT document_versions', (db: Db, id: string): Promise<VersionRow[]> =>
  db.select().from(documentVersions).where(eq(documentVersions.documentId, id)).orderBy(asc(documentVersions.version)),
);
