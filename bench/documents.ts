import autocannon from 'autocannon';
import { median } from './compare.ts';
import { createBenchDocument, runScript, startFormgate, stop } from './processes.ts';
import { BENCH_FORM, REGISTRATION } from './sample-document.ts';

/**
 * Documents on PostgreSQL: create (POST) and read (GET by id) over HTTP against `formgate serve --protect none`,
 * each against its floor — the same SQL through postgres.js at the same concurrency (documents-floor.ts).
 *
 * The floor runs in a process of its own, started afresh each round, not inside this runner: then the floor
 * and the Formgate process are alike (a fresh heap, one event loop doing only its own work), and neither
 * shares a thread with autocannon, whose own CPU the HTTP side pays for on a 2-core machine but the floor
 * must not. HTTP and floor take turns in rounds, alternating who goes first, so drift spreads over both;
 * each figure is the median of the rounds. Both write to the same table, so it grows alike under both.
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
  floorPerSecond: number;
  /** The floor with unprepared statements, as Drizzle sends Formgate's: how much of the gap that choice is. */
  unpreparedFloorPerSecond: number;
  httpP50Ms: number;
  httpP99Ms: number;
  /** Non-2xx answers and errors over HTTP plus failed statements in the floor, over all rounds. */
  failures: number;
}

type Op = 'create' | 'read';

export async function documentsThroughput(options: DocumentsOptions): Promise<DocumentsRow[]> {
  const connections = options.connections ?? 16;
  const rounds = options.rounds ?? 3;
  const seconds = options.secondsPerRound ?? 5;
  const server = await startFormgate(['--database-url', options.databaseUrl, '--forms', 'examples/forms.yaml', '--protect', 'none']);
  try {
    const path = await createBenchDocument(server.url);
    const id = path.split('/').at(-1)!;
    const requests: Record<Op, autocannon.Options> = {
      create: {
        url: `${server.url}/api/v1/forms/${BENCH_FORM}/documents`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(REGISTRATION),
      },
      read: { url: server.url + path },
    };
    const http = (op: Op, duration: number) => autocannon({ ...requests[op], connections, duration });
    const floor = async (op: Op, prepare: boolean) => {
      const args = ['--database-url', options.databaseUrl, '--op', op, '--id', id, '--seconds', String(seconds), '--concurrency', String(connections), '--prepare', String(prepare)];
      const out = JSON.parse(await runScript('bench/documents-floor.ts', args, (seconds + 30) * 1000)) as { requests: number; errors: number; seconds: number };
      return { perSecond: out.requests / out.seconds, errors: out.errors };
    };

    const empty = () => ({ http: [] as autocannon.Result[], floor: [] as number[], unprepared: [] as number[], failures: 0 });
    const samples = { create: empty(), read: empty() };
    for (const op of ['create', 'read'] as const) await http(op, 1); // warm up Formgate (the floor warms up by itself)
    for (let round = 0; round < rounds; round++) {
      for (const op of ['create', 'read'] as const) {
        const s = samples[op];
        const measureHttp = async () => {
          const result = await http(op, seconds);
          s.http.push(result);
          s.failures += result.non2xx + result.errors;
        };
        const measureFloor = async () => {
          const prepared = await floor(op, true);
          const unprepared = await floor(op, false);
          s.floor.push(prepared.perSecond);
          s.unprepared.push(unprepared.perSecond);
          s.failures += prepared.errors + unprepared.errors;
        };
        if (round % 2 === 0) await measureHttp().then(measureFloor);
        else await measureFloor().then(measureHttp);
      }
    }
    return (['create', 'read'] as const).map((op) => {
      const s = samples[op];
      return {
        operation: op === 'create' ? `create: POST …/documents` : 'read: GET …/documents/{id}',
        httpPerSecond: median(s.http.map((r) => r.requests.average)),
        floorPerSecond: median(s.floor),
        unpreparedFloorPerSecond: median(s.unprepared),
        httpP50Ms: median(s.http.map((r) => r.latency.p50)),
        httpP99Ms: median(s.http.map((r) => r.latency.p99)),
        failures: s.failures,
      };
    });
  } finally {
    await stop(server.child);
  }
}
