import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareVariants, pairedRatio, type Variant, type VariantRow } from './compare.ts';
import { startFormgate, stop } from './processes.ts';

/**
 * The web client apart from the API (issue 14): the same pages served by a web-only instance
 * (`--no-api --api-url`) pointed at an API-only one (`--no-ui`), against the co-located instance that serves
 * both halves in one process. All three are processes, as deployed: in-process servers would share the
 * benchmark's own event loop with autocannon, and a web-only instance in the API's process would not cross
 * the network at all. The web-only instance runs with bench/api-connections.mjs loaded, which counts the
 * TCP connections its fetch opens to the API: the proof that the API calls ride on kept-alive connections.
 */

const COUNTER = fileURLToPath(new URL('./api-connections.mjs', import.meta.url));

export interface ApiConnectionCounts {
  connections: number;
  requests: number;
  /** Connections opened, by origin: only the API's is expected. */
  origins: Record<string, number>;
}

export interface WebOnlyInstance {
  url: string;
  pid: number;
  /** What the instance's fetch has done so far (a fresh count: waits for the counter's next write). */
  counts(): Promise<ApiConnectionCounts>;
  stop(): Promise<void>;
}

export async function startWebOnlyInstance(apiUrl: string): Promise<WebOnlyInstance> {
  const dir = await mkdtemp(join(tmpdir(), 'formgate-bench-'));
  const file = join(dir, 'api-connections.json');
  const nodeOptions = [process.env.NODE_OPTIONS, `--import ${COUNTER}`].filter(Boolean).join(' ');
  const server = await startFormgate(['--no-api', '--api-url', apiUrl], { NODE_OPTIONS: nodeOptions, BENCH_API_CONNECTIONS_FILE: file });
  const counts = async (): Promise<ApiConnectionCounts> => {
    // The counter writes every 50 ms: wait for a write made after everything before this call.
    await new Promise((r) => setTimeout(r, 120));
    return JSON.parse(await readFile(file, 'utf8')) as ApiConnectionCounts;
  };
  // Without the counter loaded there is no count, and the row would claim what was not measured.
  await counts().catch(() => {
    throw new Error(`the web-only instance did not load ${COUNTER} (no ${file})`);
  });
  return {
    url: server.url,
    pid: server.child.pid!,
    counts,
    stop: async () => {
      await stop(server.child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface SplitPage {
  /** What the row calls the page. */
  page: string;
  path: string;
  /** The API calls one page makes, as the page's code asks them. */
  apiCalls: string;
}

export interface SplitComparison extends SplitPage {
  /** Co-located, then web-only. */
  rows: [VariantRow, VariantRow];
  /** Web-only requests/s as a share of co-located, the median of the rounds' own ratios. */
  ratio: number;
  spread: [number, number];
  /** Opened by the web-only instance to the API during this pair (its warm-up included), and the API requests sent over them. */
  connectionsOpened: number;
  apiRequests: number;
  /** The web-only runs (warm-up and rounds) by how many co-located runs came between them and the web-only run before: how long its pool sat idle. */
  byIdle: Record<number, { runs: number; connectionsOpened: number; apiRequests: number; mostInOneRun: number }>;
}

export interface SplitFigures {
  comparisons: SplitComparison[];
  /** Connections the web-only instance had opened before the first pair (its startup and the pages' checks). */
  connectionsBefore: number;
  connectionsOpened: number;
  apiRequests: number;
  origins: Record<string, number>;
  seconds: number;
  rounds: number;
  secondsPerRound: number;
  warmupSeconds: number;
}

export interface SplitOptions {
  connections: number;
  rounds: number;
  secondsPerRound: number;
  warmupSeconds: number;
}

interface Served {
  url: string;
  pid: number;
  headers: Record<string, string>;
}

export async function measureSplit(
  pages: SplitPage[],
  colocated: Served,
  web: Served & { apiPid: number; counts(): Promise<ApiConnectionCounts> },
  options: SplitOptions,
): Promise<SplitFigures> {
  const started = performance.now();
  const first = await web.counts();
  const comparisons: SplitComparison[] = [];
  let before = first;
  let last = first;
  let idleRuns = 0;
  for (const page of pages) {
    const byIdle: SplitComparison['byIdle'] = {};
    // Counted around each web-only run: within one run under load, a kept-alive pool opens no more
    // connections than calls in flight at once; fresh ones are expected only after it sat idle.
    const afterLoad = async (v: Variant) => {
      if (v.variant !== 'web-only') return void idleRuns++;
      const now = await web.counts();
      const group = (byIdle[idleRuns] ??= { runs: 0, connectionsOpened: 0, apiRequests: 0, mostInOneRun: 0 });
      const opened = now.connections - last.connections;
      group.runs++;
      group.connectionsOpened += opened;
      group.apiRequests += now.requests - last.requests;
      group.mostInOneRun = Math.max(group.mostInOneRun, opened);
      last = now;
      idleRuns = 0;
    };
    const a: Variant = { variant: 'co-located', url: colocated.url + page.path, pid: colocated.pid, headers: colocated.headers };
    // The web-only page costs the web process and the API process together: both are read.
    const b: Variant = { variant: 'web-only', url: web.url + page.path, pid: web.pid, alsoPids: [web.apiPid], headers: web.headers };
    const [x, y] = await compareVariants([a, b], '', { ...options, afterLoad });
    const after = await web.counts();
    comparisons.push({
      ...page,
      rows: [x!, y!],
      ratio: pairedRatio(y!, x!),
      spread: middleHalf(y!.perRound.map((v, i) => v / x!.perRound[i]!)),
      connectionsOpened: after.connections - before.connections,
      apiRequests: after.requests - before.requests,
      byIdle,
    });
    before = after;
  }
  const { rounds, secondsPerRound, warmupSeconds } = options;
  return {
    comparisons,
    connectionsBefore: first.connections,
    connectionsOpened: before.connections - first.connections,
    apiRequests: before.requests - first.requests,
    origins: before.origins,
    seconds: (performance.now() - started) / 1000,
    rounds,
    secondsPerRound,
    warmupSeconds,
  };
}

export function middleHalf(values: number[]): [number, number] {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return [at(0.25), at(0.75)];
}
