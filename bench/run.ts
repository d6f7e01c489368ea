import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import postgres from 'postgres';
import { openDatabase } from '../src/db/connect.ts';
import { loadFormsFile } from '../src/forms/index.ts';
import { authOverhead } from './auth-overhead.ts';
import { printVariantTable } from './compare.ts';
import { tracingOverhead } from './tracing-overhead.ts';
import { listScale } from './list-scale.ts';
import { stopAll } from './processes.ts';

/**
 * `npm run bench [-- SECTION…]`: figures measured side by side in one run, printed as tables. Sections:
 * `auth` (what authentication costs a request), `tracing` (what tracing costs) and `scale` (list pages at 10k and 1M documents); all by
 * default. Uses the PostgreSQL at FORMGATE_BENCH_POSTGRES_URL (default the local server) in a database of
 * its own, dropped at the end.
 */
const SECTIONS = ['auth', 'tracing', 'scale'] as const;
const asked = process.argv.slice(2).filter((a) => a !== '--');
const unknown = asked.filter((a) => !(SECTIONS as readonly string[]).includes(a));
if (unknown.length > 0) {
  console.error(`unknown section ${unknown.join(', ')}; expected some of: ${SECTIONS.join(', ')}`);
  process.exit(2);
}
const run = (section: (typeof SECTIONS)[number]) => asked.length === 0 || asked.includes(section);

const adminUrl = process.env.FORMGATE_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `formgate_bench_${randomBytes(4).toString('hex')}`;
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database "${name}"`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const machine = `${cpus().length} cores, Node ${process.version}, PostgreSQL`;

const database = await openDatabase({ kind: 'postgres', url: url.toString() });
const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
try {
  await database.migrate();

  if (run('auth')) {
    const connections = 16;
    const rows = await authOverhead({ databaseUrl: url.toString(), connections });
    console.log(`\nAuthentication overhead (GET one document, ${connections} connections, autocannon, median of 5 rounds of 4 s) — ${machine}\n`);
    printVariantTable(rows);
  }

  if (run('tracing')) {
    const connections = 16;
    const rows = await tracingOverhead({ databaseUrl: url.toString(), connections });
    console.log(`\nTracing overhead (GET one document with a token, warm cache, ${connections} connections, median of 5 rounds of 4 s) — ${machine}\n`);
    printVariantTable(rows);
  }

  if (run('scale')) {
    const forms = await loadFormsFile('examples/forms.yaml');
    if (!forms.ok) throw new Error('examples/forms.yaml is invalid');
    const rows = await listScale(database, sql, forms.value, 'event-registration');
    const first = rows[0]!;
    console.log(`\nList a page of 50 (GET …/documents over app.request, median of 200) — ${machine}\n`);
    console.log('| documents in the form | load time (s) | first page (ms) | page at the middle (ms) | first page vs 10k | middle page vs 10k |');
    console.log('|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      console.log(
        `| ${r.documents.toLocaleString('en')} | ${r.loadSeconds.toFixed(1)} | ${r.firstPageMs.toFixed(2)} | ${r.deepPageMs.toFixed(2)} | ${(r.firstPageMs / first.firstPageMs).toFixed(2)}× | ${(r.deepPageMs / first.deepPageMs).toFixed(2)}× |`,
      );
    }
  }
} finally {
  stopAll();
  await sql.end();
  await database.close();
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end();
}
