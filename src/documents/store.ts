import { and, asc, desc, eq, getTableColumns, isNotNull, isNull, lt, sql, type Placeholder } from 'drizzle-orm';
import type { Db } from '../db/connect.ts';
import { traced } from '../db/tracing.ts';
import { documents, documentVersions, type DocumentRow, type FieldChange, type VersionRow } from '../db/schema.ts';

/** All SQL about documents lives here; the service above it speaks in rows and decides the transactions. */

export interface ListQuery {
  form: string;
  /** At most this many documents on the page. */
  limit: number;
  /** At most this many bytes of document data (as JSON text) on the page, unless its first document alone is more. */
  maxBytes: number;
  /** Only documents with a smaller id (older) than this one: the keyset cursor. */
  before?: string;
  /** Only documents created by this caller id. */
  createdBy?: string;
  deleted: boolean;
}

/**
 * Creating and reading a document, the busiest statements, are built once per database handle with
 * placeholders and run as prepared statements. Built per request, Drizzle spent a third of a read's CPU
 * assembling the same SQL text, and PostgreSQL parsed and planned it each time (`npm run bench -- documents`).
 *
 * Lists are not prepared: after a few runs PostgreSQL may switch a prepared statement to a generic plan,
 * made without the form's name, and for lists that plan walks the primary key filtering by form (seen with
 * `plan_cache_mode = force_generic_plan` on test/db/indexes.test.ts's table), which reads a hundred rows per
 * row returned for a small form in a big table. Statements inside a transaction (changes) are built per call
 * too: they run on the transaction's own connection.
 */
const statementsByDb = new WeakMap<Db, ReturnType<typeof prepareStatements>>();

function statements(db: Db) {
  let prepared = statementsByDb.get(db);
  if (prepared === undefined) statementsByDb.set(db, (prepared = prepareStatements(db)));
  return prepared;
}

const p = sql.placeholder;

function prepareStatements(db: Db) {
  // The document and its first version in one statement: atomic without a transaction, one round trip.
  const inserted = db.$with('inserted').as(
    db.insert(documents).values({
      id: p('id'),
      form: p('form'),
      version: p('version'),
      data: p('data'),
      createdBy: p('createdBy'),
      createdAt: p('createdAt'),
      updatedBy: p('updatedBy'),
      updatedAt: p('updatedAt'),
      // A new document is never deleted; and a null placeholder would reach the timestamp encoder, which throws.
      deletedBy: null,
      deletedAt: null,
    }),
  );
  return {
    insert: db
      .with(inserted)
      .insert(documentVersions)
      .values({
        documentId: p('id'),
        version: p('version'),
        action: 'create',
        data: p('data'),
        changes: p('changes'),
        actor: p('createdBy'),
        at: p('createdAt'),
      })
      .prepare('insert_document'),
    find: byId(db, p('form'), p('id')).prepare('find_document'),
  };
}

/** One document of a form by id: with placeholders to prepare, with values to lock. */
function byId(db: Db, form: string | Placeholder, id: string | Placeholder) {
  return db
    .select()
    .from(documents)
    .where(and(eq(documents.form, form), eq(documents.id, id)))
    .limit(1);
}

/** A document as it is first stored: not deleted. */
export type NewDocument = DocumentRow & { deletedBy: null; deletedAt: null };

/** Stores a new document with its first version: the same state, made by its creator, with these changes. */
export const insertDocument = traced('INSERT documents', async (db: Db, row: NewDocument, changes: FieldChange[]): Promise<void> => {
  await statements(db).insert.execute({ ...row, changes });
});

/** Reads one document of a form by id. */
export const findDocument = traced('SELECT documents', async (db: Db, form: string, id: string): Promise<DocumentRow | undefined> => {
  const rows = await statements(db).find.execute({ form, id });
  return rows[0];
});

/** Reads a document inside a transaction and holds its row lock until the transaction ends. */
export const lockDocument = traced('SELECT documents', async (tx: Db, form: string, id: string): Promise<DocumentRow | undefined> => {
  const rows = await byId(tx, form, id).for('update');
  return rows[0];
});

/** A page of documents, and whether more follow it. */
export interface ListedPage {
  rows: DocumentRow[];
  more: boolean;
}

export const listDocuments = traced('SELECT documents', async (db: Db, q: ListQuery): Promise<ListedPage> => {
  const rows = await listQuery(db, q).execute();
  // Rows come back in page order, the ones past the page's end without their data (see listQuery).
  const end = rows.findIndex((row) => row.data === null);
  const page = (end === -1 ? rows : rows.slice(0, end)) as DocumentRow[];
  return { rows: page, more: page.length < rows.length };
});

/**
 * The list query itself, apart from running it, so tests can ask the planner how it would run.
 *
 * It reads one document more than the limit, to know whether more follow, and a running sum of the stored
 * `data_bytes` in id order decides where the page ends: documents past the limit or the byte bound come back
 * without their data, which PostgreSQL then neither detoasts nor sends, so neither it nor this process holds more
 * than one page whatever the documents' sizes. The first document is always on the page, however large: the body limit,
 * not the page bound, is what bounds one document. One statement, one snapshot: the page and its end are cut
 * from the same rows, so following the cursors skips and repeats nothing.
 */
export function listQuery(db: Db, q: ListQuery) {
  const conditions = [eq(documents.form, q.form), q.deleted ? isNotNull(documents.deletedAt) : isNull(documents.deletedAt)];
  if (q.before !== undefined) conditions.push(lt(documents.id, q.before));
  if (q.createdBy !== undefined) conditions.push(eq(documents.createdBy, q.createdBy));
  const inOrder = sql`order by ${documents.id} desc`;
  const onPage = sql`row_number() over (${inOrder}) = 1
    or (row_number() over (${inOrder}) <= ${q.limit} and sum(${documents.dataBytes}) over (${inOrder}) <= ${q.maxBytes})`;
  const { dataBytes: _, ...columns } = getTableColumns(documents);
  return db
    .select({ ...columns, data: sql<Record<string, unknown> | null>`case when ${onPage} then ${documents.data} end`.mapWith(documents.data) })
    .from(documents)
    .where(and(...conditions))
    .orderBy(desc(documents.id))
    .limit(q.limit + 1);
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
