import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import postgres from 'postgres';
import { openDatabase } from '../src/db/connect.ts';
import { loadFormsFile } from '../src/forms/index.ts';
import { listScale } from './list-scale.ts';

/**
 * `npm run bench`: figures measured side by side in one run, printed as a table. Uses the PostgreSQL at
 * FORMGATE_BENCH_POSTGRES_URL (default the local server) in a database of its own, dropped at the end.
 */
const adminUrl = process.env.FORMGATE_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `formgate_bench_${randomBytes(4).toString('hex')}`;
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database "${name}"`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;

const database = await openDatabase({ kind: 'postgres', url: url.toString() });
const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
try {
  await database.migrate();
  const forms = await loadFormsFile('examples/forms.yaml');
  if (!forms.ok) throw new Error('examples/forms.yaml is invalid');
  const rows = await listScale(database, sql, forms.value, 'event-registration');

  const first = rows[0]!;
  console.log(`\nList a page of 50 (GET …/documents over app.request, median of 200) — ${cpus().length} cores, Node ${process.version}, PostgreSQL\n`);
  console.log('| documents in the form | load time (s) | first page (ms) | page at the middle (ms) | first page vs 10k | middle page vs 10k |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.documents.toLocaleString('en')} | ${r.loadSeconds.toFixed(1)} | ${r.firstPageMs.toFixed(2)} | ${r.deepPageMs.toFixed(2)} | ${(r.firstPageMs / first.firstPageMs).toFixed(2)}× | ${(r.deepPageMs / first.deepPageMs).toFixed(2)}× |`,
    );
  }
} finally {
  await sql.end();
  await database.close();
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end();
}
