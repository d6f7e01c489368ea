import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { loadFormsFile } from '../src/forms/index.ts';
import { authOverhead } from './auth-overhead.ts';
import { coldBurst } from './burst.ts';
import { csvExport, csvSection } from './csv-export.ts';
import { documentsThroughput } from './documents.ts';
import { listScale } from './list-scale.ts';
import { memoryFootprint } from './memory.ts';
import { stopAll } from './processes.ts';
import { scratchDatabases } from './scratch-database.ts';
import { startupSection, startupTimes } from './startup.ts';
import * as tables from './tables.ts';
import { tracingOverhead } from './tracing-overhead.ts';
import { BENCH_FORM, BENCH_FORMS } from './sample-document.ts';
import { webOverhead } from './web.ts';

/**
 * `npm run bench [-- SECTION…]`: figures measured side by side in one run, printed as markdown tables.
 * Sections, in the order they run: `auth` (what authentication costs a request), `tracing` (what tracing
 * costs), `burst` (identity-service calls for a cold burst of new tokens), `documents` (create and read over
 * HTTP against the same SQL run directly), `scale` (list pages at 10k and 1M documents, and the load time),
 * `memory` (RSS idle, under load, with 100k cached identities), `csv` (the CSV export's time and peak RSS
 * at 2k, 20k and 200k documents: flat memory), `startup` (start to ready for each database
 * kind and for check-auth, from the sources and from the build), `web` (the web client's pages against the API
 * calls they make, the API with the web client mounted against `--no-ui`, and the same pages from a web-only
 * instance against the co-located one).
 *
 * Only a full run (no section named) writes bench/RESULTS.md, so the file always holds every section from one
 * run on one machine; a run of some sections prints their tables and leaves the file alone. Setting
 * FORMGATE_BENCH_QUICK=1 shrinks every duration and size for trying the benchmarks out, and never writes the file.
 *
 * Uses the PostgreSQL at FORMGATE_BENCH_POSTGRES_URL (default the local server); each section gets a database
 * of its own, dropped after it, so no section's rows change another's figures.
 */
const SECTIONS = ['auth', 'tracing', 'burst', 'documents', 'scale', 'memory', 'csv', 'startup', 'web'] as const;
type SectionName = (typeof SECTIONS)[number];

const asked = process.argv.slice(2).filter((a) => a !== '--');
const unknown = asked.filter((a) => !(SECTIONS as readonly string[]).includes(a));
if (unknown.length > 0) {
  console.error(`unknown section ${unknown.join(', ')}; expected some of: ${SECTIONS.join(', ')}`);
  process.exit(2);
}
const quick = process.env.FORMGATE_BENCH_QUICK === '1';
const fullRun = asked.length === 0 && !quick;
const RESULTS = new URL('./RESULTS.md', import.meta.url);

/** Durations and sizes: the real ones, or small ones under FORMGATE_BENCH_QUICK=1. */
const settings = {
  connections: 16,
  overhead: quick ? { rounds: 1, secondsPerRound: 1 } : { rounds: 10, secondsPerRound: 3 },
  burst: { requests: 200, delayMs: 50, repeats: quick ? 1 : 3 },
  documents: quick ? { rounds: 1, secondsPerRound: 2 } : { rounds: 3, secondsPerRound: 5 },
  scaleSizes: quick ? [10_000, 100_000] : [10_000, 1_000_000],
  memory: quick ? { cacheSize: 5_000, loadSeconds: 2 } : { cacheSize: 100_000, loadSeconds: 10 },
  csvSizes: quick ? [500, 5_000] : [2_000, 20_000, 200_000],
  startupRuns: quick ? 1 : 5,
  web: quick
    ? { rounds: 1, secondsPerRound: 1, mountedRounds: 2, mountedSecondsPerRound: 1, warmupSeconds: 1, split: { rounds: 1, secondsPerRound: 1, warmupSeconds: 1 } }
    : { rounds: 6, secondsPerRound: 3, mountedRounds: 30, mountedSecondsPerRound: 1, warmupSeconds: 5, split: { rounds: 6, secondsPerRound: 2, warmupSeconds: 2 } },
} as const;

const adminUrl = process.env.FORMGATE_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const databases = scratchDatabases(adminUrl);
const withDatabase = databases.use;

const { connections } = settings;
const measure: Record<SectionName, () => Promise<tables.Section>> = {
  auth: () =>
    withDatabase(async ({ url }) => {
      const { rounds, secondsPerRound } = settings.overhead;
      return tables.authSection(await authOverhead({ databaseUrl: url, connections, rounds, secondsPerRound }), connections, rounds, secondsPerRound);
    }),
  tracing: () =>
    withDatabase(async ({ url }) => {
      const { rounds, secondsPerRound } = settings.overhead;
      return tables.tracingSection(await tracingOverhead({ databaseUrl: url, connections, rounds, secondsPerRound }), connections, rounds, secondsPerRound);
    }),
  burst: () => withDatabase(async ({ url }) => tables.burstSection(await coldBurst({ databaseUrl: url, ...settings.burst }), settings.burst.delayMs)),
  documents: () =>
    withDatabase(async ({ url }) => {
      const rows = await documentsThroughput({ databaseUrl: url, connections, ...settings.documents });
      return tables.documentsSection(rows, connections, settings.documents.rounds, settings.documents.secondsPerRound);
    }),
  scale: () =>
    withDatabase(async ({ database, sql }) => {
      const forms = await loadFormsFile(BENCH_FORMS);
      if (!forms.ok) throw new Error(`${BENCH_FORMS} is invalid`);
      return tables.scaleSection(await listScale(database, sql, forms.value, 'event-registration', [...settings.scaleSizes]));
    }),
  memory: () => withDatabase(async ({ url }) => tables.memorySection(await memoryFootprint({ databaseUrl: url, connections, ...settings.memory }), settings.memory.loadSeconds, connections)),
  csv: () => withDatabase(async ({ url, sql }) => csvSection(await csvExport(url, sql, [...settings.csvSizes]))),
  startup: () => withDatabase(async ({ url }) => startupSection(await startupTimes({ postgresUrl: url, runs: settings.startupRuns }), settings.startupRuns)),
  web: () =>
    withDatabase(async ({ url }) => {
      const figures = await webOverhead({ databaseUrl: url, connections, ...settings.web });
      return tables.webSection(figures, BENCH_FORM, connections, settings.web);
    }),
};

/**
 * A section that fails (on this shared machine, most likely PostgreSQL restarted under it) is measured once
 * more from the start; the retry is noted under its table, and a second failure ends the run.
 */
async function measureRetryingOnce(name: SectionName): Promise<tables.Section> {
  try {
    return await measure[name]();
  } catch (e) {
    console.error(`section ${name} failed (${String(e)}); measuring it once more`);
    stopAll();
    const section = await measure[name]();
    return { ...section, reading: `${section.reading} (Measured a second time: the first attempt failed with ${String(e).slice(0, 200)}.)` };
  }
}

const started = performance.now();
try {
  const machine: tables.Machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    node: process.version,
    postgres: await databases.version(),
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
  console.log(tables.machineMarkdown(machine) + (quick ? ' QUICK settings: figures for trying out only.' : ''));
  const sections: string[] = [];
  for (const name of SECTIONS) {
    if (asked.length > 0 && !asked.includes(name)) continue;
    const markdown = tables.sectionMarkdown(await measureRetryingOnce(name));
    console.log('\n' + markdown);
    sections.push(markdown);
  }
  const minutes = (performance.now() - started) / 60_000;
  console.log(`Whole run: ${minutes.toFixed(1)} min.`);
  if (fullRun) {
    const header = [
      '# Formgate benchmarks',
      '',
      `Written by \`npm run bench\` (all sections, one run; a run of some sections does not write this file). ${tables.machineMarkdown(machine)}`,
      `The whole run took ${minutes.toFixed(1)} min. Load generator: autocannon, in the same machine as the servers, loopback only.`,
      '',
    ];
    await writeFile(RESULTS, [...header, ...sections].join('\n'));
    console.log(`Wrote ${RESULTS.pathname}.`);
  }
} finally {
  stopAll();
  await databases.end();
}
