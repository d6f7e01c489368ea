import { parseArgs } from 'node:util';
import postgres from 'postgres';
import type { DocumentRow } from '../src/db/schema.ts';
import { diffData } from '../src/documents/changes.ts';
import { newDocumentId } from '../src/documents/ids.ts';
import { loadFormsFile } from '../src/forms/index.ts';
import { BENCH_FORM, REGISTRATION } from './sample-document.ts';

/**
 * The floor for the documents benchmark: the SQL Formgate runs for one create or one read, sent straight
 * through postgres.js by `--concurrency` workers, each looping for `--seconds` after a warm-up of its own.
 * Run as a process of its own (see documents.ts for why); prints one JSON line: requests, seconds, errors.
 *
 * The pool is Formgate's (src/db/connect.ts: 10 connections). The statements are postgres.js tagged
 * templates, which it prepares by default: the best this driver does, so the floor is a floor. With
 * `--prepare false` they go unprepared, as Drizzle sends Formgate's, which shows what that choice costs.
 */
const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    op: { type: 'string' },
    id: { type: 'string' },
    seconds: { type: 'string', default: '5' },
    'warmup-seconds': { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '16' },
    // Drizzle sends its queries unnamed, so PostgreSQL parses and plans each one: `--prepare false` does the same.
    prepare: { type: 'string', default: 'true' },
  },
});
const databaseUrl = values['database-url'];
const op = values.op;
if (databaseUrl === undefined || (op !== 'create' && op !== 'read') || (op === 'read' && values.id === undefined)) {
  throw new Error('usage: documents-floor.ts --database-url URL --op create|read [--id ID] [--seconds S] [--concurrency N]');
}

// What Formgate stores for the sample: the validated data (defaults filled in) and its changes, worked out
// once here with Formgate's own code so the rows are the same; per request only the SQL remains.
const forms = await loadFormsFile('examples/forms.yaml');
if (!forms.ok) throw new Error('examples/forms.yaml is invalid');
const valid = forms.value.get(BENCH_FORM)?.validate(REGISTRATION);
if (valid === undefined || !valid.ok) throw new Error(`the sample ${BENCH_FORM} document is not valid`);
const data = valid.value;
const changes = diffData({}, data);

const sql = postgres(databaseUrl, { max: 10, connect_timeout: 5, idle_timeout: 60, prepare: values.prepare !== 'false', onnotice: () => {} });

/** The transaction of service.createDocument → store.insertDocument: the document row, then its first version. */
async function create(): Promise<void> {
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
  await sql.begin(async (tx) => {
    await tx`
      insert into documents (id, form, version, data, created_by, created_at, updated_by, updated_at, deleted_by, deleted_at)
      values (${row.id}, ${row.form}, ${row.version}, ${tx.json(row.data as postgres.JSONValue)}, ${row.createdBy}, ${row.createdAt},
              ${row.updatedBy}, ${row.updatedAt}, ${row.deletedBy}, ${row.deletedAt})`;
    await tx`
      insert into document_versions (document_id, version, action, data, changes, actor, at)
      values (${row.id}, ${row.version}, 'create', ${tx.json(row.data as postgres.JSONValue)}, ${tx.json(changes as unknown as postgres.JSONValue)},
              ${row.updatedBy}, ${row.updatedAt})`;
  });
}

/** store.findDocument: one document of a form by id. */
async function read(id: string): Promise<void> {
  const rows = await sql`
    select id, form, version, data, created_by, created_at, updated_by, updated_at, deleted_by, deleted_at
    from documents where form = ${BENCH_FORM} and id = ${id} limit 1`;
  if (rows.length !== 1) throw new Error('the benchmark document is missing');
}

const once = op === 'create' ? create : () => read(values.id!);

/** Every worker loops until the deadline; a failed statement is counted, not retried. */
async function loop(seconds: number, concurrency: number): Promise<{ requests: number; errors: number; seconds: number }> {
  let requests = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      try {
        await once();
        requests++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { requests, errors, seconds: (performance.now() - started) / 1000 };
}

try {
  const concurrency = Number(values.concurrency);
  await loop(Number(values['warmup-seconds']), concurrency);
  const measured = await loop(Number(values.seconds), concurrency);
  process.stdout.write(JSON.stringify(measured) + '\n');
} finally {
  await sql.end({ timeout: 5 });
}
