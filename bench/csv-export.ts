import postgres from 'postgres';
import { startFormgate, stop } from './processes.ts';
import { peakRssDuring, rssBytes } from './rss.ts';
import { BENCH_FORM, BENCH_FORMS } from './sample-document.ts';
import type { Section } from './tables.ts';

/**
 * The CSV export's memory: one `formgate serve` process on PostgreSQL exports a form of N documents, then of
 * 10×N, … (each about 1 KB of data), over HTTP with `Accept: text/csv`; its RSS is sampled every 100 ms during
 * each export. An export that held its result would grow with the documents; a streamed one stays flat.
 */

export interface CsvExportRow {
  documents: number;
  csvBytes: number;
  seconds: number;
  beforeBytes: number;
  peakBytes: number;
}

const SETTLE_MS = 2_000;
// About 1 KB of data per document: the name is padded past the form's maxLength, which rows written by SQL
// are not held to and which the export does not check. The comma and the quotes make every row a quoted one.
const PADDING = 'x'.repeat(880);

export async function csvExport(databaseUrl: string, sql: postgres.Sql, sizes: number[]): Promise<CsvExportRow[]> {
  const server = await startFormgate(['--database-url', databaseUrl, '--forms', BENCH_FORMS, '--protect', 'none']);
  try {
    const pid = server.child.pid!;
    const rows: CsvExportRow[] = [];
    let loaded = 0;
    for (const size of sizes) {
      await load(sql, loaded, size);
      await sql`analyze documents`;
      loaded = size;
      // A first, unmeasured export warms the process up (JIT, the pool), so the first row is not its warm-up.
      if (rows.length === 0) await exportAll(server.url, size);
      await settle();
      const beforeBytes = await rssBytes(pid);
      const started = performance.now();
      const { result: csvBytes, peakBytes } = await peakRssDuring(pid, exportAll(server.url, size));
      rows.push({ documents: size, csvBytes, seconds: (performance.now() - started) / 1000, beforeBytes, peakBytes });
    }
    return rows;
  } finally {
    await stop(server.child);
  }
}

/** Reads the whole export as a client would, chunk by chunk without keeping it; checks its row count. */
async function exportAll(url: string, expected: number): Promise<number> {
  const res = await fetch(`${url}/api/v1/forms/${BENCH_FORM}/documents`, { headers: { accept: 'text/csv' } });
  if (res.status !== 200 || !res.body) throw new Error(`the export answered ${res.status}`);
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body) {
    bytes += chunk.byteLength;
    // No cell of these rows holds a line break, so line ends count rows; their LF bytes (10) are enough.
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
  }
  if (lines !== expected + 1) throw new Error(`the export had ${lines - 1} rows, expected ${expected}`);
  return bytes;
}

// Rows with ids shaped like UUIDv7 (time first), so they sort as real ones do.
async function load(sql: postgres.Sql, from: number, to: number): Promise<void> {
  const chunk = 50_000;
  for (let start = from + 1; start <= to; start += chunk) {
    const end = Math.min(to, start + chunk - 1);
    await sql`
      insert into documents (id, form, version, data, created_by, created_at, updated_by, updated_at)
      select (lpad(to_hex(i), 12, '0') || '7000800000000000' || lpad(to_hex(i % 65536), 4, '0'))::uuid, ${BENCH_FORM}, 1,
             jsonb_build_object('fullName', 'Person ' || i || ', "guest" ' || ${PADDING}, 'email', 'p' || i || '@example.org',
               'guests', i % 5, 'sessions', jsonb_build_array('keynote', 'panel'), 'acceptsCodeOfConduct', true),
             'user-' || (i % 1000), now(), 'user-' || (i % 1000), now()
      from generate_series(${start}::int, ${end}::int) as i`;
  }
}

const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

export function csvSection(rows: CsvExportRow[]): Section {
  const growth = rows.map((r) => r.peakBytes - r.beforeBytes);
  const first = rows[0]!;
  const last = rows.at(-1)!;
  return {
    heading: 'CSV export',
    command: 'npm run bench -- csv',
    method:
      'One `formgate serve --protect none` on PostgreSQL exports every document of a form (about 1 KB of data each, written by SQL) ' +
      'with `Accept: text/csv`, read over HTTP by a client that keeps nothing; RSS (VmRSS) sampled every 100 ms during the export, ' +
      'after an unmeasured warm-up export and 2 s of quiet.',
    table: [
      '| documents | CSV (MiB) | time (s) | documents/s | RSS before (MiB) | peak RSS during (MiB) | peak − before (MiB) |',
      '|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r, i) =>
          `| ${r.documents.toLocaleString('en')} | ${mib(r.csvBytes)} | ${r.seconds.toFixed(2)} | ${(r.documents / r.seconds).toFixed(0)} | ` +
          `${mib(r.beforeBytes)} | ${mib(r.peakBytes)} | ${mib(growth[i]!)} |`,
      ),
    ],
    reading:
      `${(last.documents / first.documents).toFixed(0)}× the documents (${mib(first.csvBytes)} → ${mib(last.csvBytes)} MiB of CSV) and ` +
      `the peak RSS went from ${mib(first.peakBytes)} to ${mib(last.peakBytes)} MiB: memory follows the batch, not the export.`,
  };
}
