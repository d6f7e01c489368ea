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

export interface CsvExportFigures {
  rows: CsvExportRow[];
  /** The largest export again, in a process whose JS heap may not grow past `heapCapMiB`. */
  capped: CsvExportRow;
  heapCapMiB: number;
}

export async function csvExport(databaseUrl: string, sql: postgres.Sql, sizes: number[], heapCapMiB = 64): Promise<CsvExportFigures> {
  const rows: CsvExportRow[] = [];
  let loaded = 0;
  await withServer(databaseUrl, {}, async (url, pid) => {
    for (const size of sizes) {
      await load(sql, loaded, size);
      await sql`analyze documents`;
      loaded = size;
      // A first, unmeasured export warms the process up (JIT, the pool), so the first row is not its warm-up.
      if (rows.length === 0) await exportAll(url, size);
      rows.push(await measured(url, pid, size));
    }
  });
  // A process that held the export would die of it here: its heap is a fraction of the CSV's size.
  const env = { NODE_OPTIONS: `--max-old-space-size=${heapCapMiB}` };
  const capped = await withServer(databaseUrl, env, (url, pid) => measured(url, pid, loaded));
  return { rows, capped, heapCapMiB };
}

async function withServer<T>(databaseUrl: string, env: Record<string, string>, run: (url: string, pid: number) => Promise<T>): Promise<T> {
  const server = await startFormgate(['--database-url', databaseUrl, '--forms', BENCH_FORMS, '--protect', 'none'], env);
  try {
    return await run(server.url, server.child.pid!);
  } finally {
    await stop(server.child);
  }
}

async function measured(url: string, pid: number, documents: number): Promise<CsvExportRow> {
  await settle();
  const beforeBytes = await rssBytes(pid);
  const started = performance.now();
  const { result: csvBytes, peakBytes } = await peakRssDuring(pid, exportAll(url, documents));
  return { documents, csvBytes, seconds: (performance.now() - started) / 1000, beforeBytes, peakBytes };
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

export function csvSection(figures: CsvExportFigures): Section {
  const { rows, capped, heapCapMiB } = figures;
  const first = rows[0]!;
  const last = rows.at(-1)!;
  const line = (r: CsvExportRow, label: string) =>
    `| ${label} | ${mib(r.csvBytes)} | ${r.seconds.toFixed(2)} | ${(r.documents / r.seconds).toFixed(0)} | ` +
    `${mib(r.beforeBytes)} | ${mib(r.peakBytes)} | ${mib(r.peakBytes - r.beforeBytes)} |`;
  return {
    heading: 'CSV export',
    command: 'npm run bench -- csv',
    method:
      'One `formgate serve --protect none` on PostgreSQL exports every document of a form (about 1 KB of data each, written by SQL) ' +
      'with `Accept: text/csv`, read over HTTP by a client that keeps nothing; RSS (VmRSS) sampled every 100 ms during each export, ' +
      `after an unmeasured warm-up export and 2 s of quiet. The last row is the largest export again, from a new process started with ` +
      `\`NODE_OPTIONS=--max-old-space-size=${heapCapMiB}\`.`,
    table: [
      '| documents | CSV (MiB) | time (s) | documents/s | RSS before (MiB) | peak RSS during (MiB) | peak − before (MiB) |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...rows.map((r) => line(r, r.documents.toLocaleString('en'))),
      line(capped, `${capped.documents.toLocaleString('en')}, JS heap capped at ${heapCapMiB} MiB`),
    ],
    reading:
      `${(last.documents / first.documents).toFixed(0)}× the documents (${mib(first.csvBytes)} → ${mib(last.csvBytes)} MiB of CSV) took the peak RSS ` +
      `from ${mib(first.peakBytes)} to ${mib(last.peakBytes)} MiB, as V8 lets its heap grow while garbage is plentiful; with the heap capped at ` +
      `${heapCapMiB} MiB the same ${mib(capped.csvBytes)} MiB export ran with a peak RSS of ${mib(capped.peakBytes)} MiB. The export holds a batch, not its result.`,
  };
}
