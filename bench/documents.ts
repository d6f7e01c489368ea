import autocannon from 'autocannon';
import { median } from './compare.ts';
import { createBenchDocument, runScript, startFormgate, startScript, stop } from './processes.ts';
import { BENCH_FORM, BENCH_FORMS, REGISTRATION } from './sample-document.ts';

/**
 * Documents on PostgreSQL: create (POST) and read (GET by id) over HTTP against `formgate serve --protect none`,
 * each against its floor — the same SQL through postgres.js at the same concurrency (documents-floor.ts) —
 * and against a minimal HTTP server running that SQL (documents-minimal-server.ts), which shows how much of
 * the distance to the floor any HTTP server pays on this machine.
 *
 * The floor runs in a process of its own, started afresh each round, not inside this runner: then the floor
 * and the servers are alike (a fresh heap, one event loop doing only its own work), and neither shares a
 * thread with autocannon, whose own CPU the HTTP side pays for on a 2-core machine but the floor must not.
 * The three take turns in rounds, each round starting with another, so drift spreads over all; each figure
 * is the median of the rounds. All write to the same table, so it grows alike under each.
 */

export interface DocumentsOptions {
  databaseUrl: string;
  connections?: number;
  rounds?: number;
  secondsPerRound?: number;
}

export interface DocumentsRow {
  operation: string;
  httpPerSecond: number;
  /** The same requests served by node:http and postgres.js with the floor's SQL, nothing else. */
  minimalPerSecond: number;
  floorPerSecond: number;
  httpP50Ms: number;
  httpP99Ms: number;
  /** Non-2xx answers and errors over HTTP (both servers) plus failed statements in the floor, over all rounds. */
  failures: number;
}

type Op = 'create' | 'read';
type Contender = 'formgate' | 'minimal' | 'floor';
const CONTENDERS: Contender[] = ['formgate', 'minimal', 'floor'];

export async function documentsThroughput(options: DocumentsOptions): Promise<DocumentsRow[]> {
  const connections = options.connections ?? 16;
  const rounds = options.rounds ?? 3;
  const seconds = options.secondsPerRound ?? 5;
  const formgate = await startFormgate(['--database-url', options.databaseUrl, '--forms', BENCH_FORMS, '--protect', 'none']);
  const minimal = await startScript('bench/documents-minimal-server.ts', ['--database-url', options.databaseUrl]);
  try {
    const path = await createBenchDocument(formgate.url);
    const id = path.split('/').at(-1)!;
    const request = (base: string, op: Op): autocannon.Options =>
      op === 'create'
        ? { url: `${base}/api/v1/forms/${BENCH_FORM}/documents`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(REGISTRATION) }
        : { url: base + path };
    const http = (base: string, op: Op, duration: number) => autocannon({ ...request(base, op), connections, duration });
    const floor = async (op: Op) => {
      const args = ['--database-url', options.databaseUrl, '--op', op, '--id', id, '--seconds', String(seconds), '--concurrency', String(connections)];
      const out = JSON.parse(await runScript('bench/documents-floor.ts', args, (seconds + 30) * 1000)) as { requests: number; errors: number; seconds: number };
      return { perSecond: out.requests / out.seconds, errors: out.errors };
    };

    const empty = () => ({ formgate: [] as autocannon.Result[], minimal: [] as number[], floor: [] as number[], failures: 0 });
    const samples = { create: empty(), read: empty() };
    const measure = async (op: Op, who: Contender) => {
      const s = samples[op];
      if (who === 'floor') {
        const result = await floor(op);
        s.floor.push(result.perSecond);
        s.failures += result.errors;
        return;
      }
      const result = await http(who === 'formgate' ? formgate.url : minimal.firstLine, op, seconds);
      if (who === 'formgate') s.formgate.push(result);
      else s.minimal.push(result.requests.average);
      s.failures += result.non2xx + result.errors;
    };
    // Warm up both servers (the floor warms up by itself).
    for (const op of ['create', 'read'] as const) for (const base of [formgate.url, minimal.firstLine]) await http(base, op, 1);
    for (let round = 0; round < rounds; round++) {
      for (const op of ['create', 'read'] as const) {
        for (let i = 0; i < CONTENDERS.length; i++) await measure(op, CONTENDERS[(round + i) % CONTENDERS.length]!);
      }
    }
    return (['create', 'read'] as const).map((op) => {
      const s = samples[op];
      return {
        operation: op === 'create' ? `create: POST …/documents` : 'read: GET …/documents/{id}',
        httpPerSecond: median(s.formgate.map((r) => r.requests.average)),
        minimalPerSecond: median(s.minimal),
        floorPerSecond: median(s.floor),
        httpP50Ms: median(s.formgate.map((r) => r.latency.p50)),
        httpP99Ms: median(s.formgate.map((r) => r.latency.p99)),
        failures: s.failures,
      };
    });
  } finally {
    await stop(formgate.child);
    await stop(minimal.child);
  }
}
