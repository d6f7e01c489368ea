import postgres from 'postgres';
import type { DocumentRow } from '../src/db/schema.ts';
import { diffData } from '../src/documents/changes.ts';
import { newDocumentId } from '../src/documents/ids.ts';
import { loadFormsFile } from '../src/forms/index.ts';
import { BENCH_FORM, BENCH_FORMS, REGISTRATION } from './sample-document.ts';

/**
 * The SQL Formgate runs for one create and one read (src/documents/store.ts), written out for postgres.js,
 * which prepares it as Formgate prepares its own. The floor (documents-floor.ts) and the minimal HTTP server
 * (documents-minimal-server.ts) run these and nothing else of Formgate's.
 */
export interface DocumentStatements {
  /** store.insertDocument: the document row and its first version, in one statement. */
  create(): Promise<DocumentRow>;
  /** store.findDocument: one document of a form by id; undefined when there is none. */
  read(id: string): Promise<Record<string, unknown> | undefined>;
  end(): Promise<void>;
}

export async function documentStatements(databaseUrl: string): Promise<DocumentStatements> {
  // What Formgate stores for the sample: the validated data (defaults filled in) and its changes, worked out
  // once here with Formgate's own code so the rows are the same; per request only the SQL remains.
  const forms = await loadFormsFile(BENCH_FORMS);
  if (!forms.ok) throw new Error(`${BENCH_FORMS} is invalid`);
  const valid = forms.value.get(BENCH_FORM)?.validate(REGISTRATION);
  if (valid === undefined || !valid.ok) throw new Error(`the sample ${BENCH_FORM} document is not valid`);
  const data = valid.value;
  const changes = diffData({}, data);

  // Formgate's pool (src/db/connect.ts).
  const sql = postgres(databaseUrl, { max: 10, connect_timeout: 5, idle_timeout: 60, onnotice: () => {} });
  return {
    async create() {
      const now = new Date();
      const row: DocumentRow = {
        id: newDocumentId(),
        form: BENCH_FORM,
        version: 1,
        data,
        createdBy: null,
        createdAt: now,
        updatedBy: null,
        updatedAt: now,
        deletedBy: null,
        deletedAt: null,
      };
      const json = sql.json(row.data as postgres.JSONValue);
      await sql`
        with inserted as (
          insert into documents (id, form, version, data, created_by, created_at, updated_by, updated_at, deleted_by, deleted_at)
          values (${row.id}, ${row.form}, ${row.version}, ${json}, ${row.createdBy}, ${row.createdAt}, ${row.updatedBy}, ${row.updatedAt}, null, null))
        insert into document_versions (document_id, version, action, data, changes, actor, at)
        values (${row.id}, ${row.version}, 'create', ${json}, ${sql.json(changes as unknown as postgres.JSONValue)}, ${row.createdBy}, ${row.createdAt})`;
      return row;
    },
    async read(id) {
      const rows = await sql`
        select id, form, version, data, created_by, created_at, updated_by, updated_at, deleted_by, deleted_at
        from documents where form = ${BENCH_FORM} and id = ${id} limit ${1}`;
      return rows[0];
    },
    end: () => sql.end({ timeout: 5 }),
  };
}
