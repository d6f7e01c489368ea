import autocannon from 'autocannon';
import { cpuSeconds } from './cpu-time.ts';

/**
 * Measures the same request against several running servers side by side: the variants take turns in
 * short rounds, each round starting with another, so drift on the machine spreads over all alike; each
 * figure is the median of the rounds. With the server's pid, it also reports the CPU the server spent per
 * request over all rounds: on a 2-core machine shared with the load generator, requests/s swings by ±10 %
 * from round to round, and CPU per request is the steadier measure of what a variant adds.
 */

export interface Variant {
  variant: string;
  url: string;
  headers?: Record<string, string>;
  /** Headers for each request in turn instead of `headers` (a new token per request: first sight of each). */
  nextHeaders?: () => Record<string, string>;
  /** The server process, to read its CPU time from /proc. */
  pid?: number;
  /** Further processes each request runs in (a web-only instance's API): their CPU counts too. */
  alsoPids?: number[];
}

export interface VariantRow {
  variant: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  /** Server CPU time (all threads, pid and alsoPids together) per request over every round; NaN without a pid. */
  cpuMicrosPerRequest: number;
  /** The same for each process alone, pid first, then alsoPids in their order. */
  cpuMicrosPerRequestEach: number[];
  /** Requests/s of each round, in round order: rounds of two variants pair up for a ratio that drift cancels in. */
  perRound: number[];
}

export interface CompareOptions {
  connections: number;
  rounds: number;
  secondsPerRound: number;
  /** Load on each variant before the first round (default 1 s): a server that sat idle meets its rounds warm. */
  warmupSeconds?: number;
  /** Told after each load on a variant (round -1: its warm-up), outside the CPU reading: for counts of the benchmark's own. */
  afterLoad?: (variant: Variant, round: number) => Promise<void>;
}

export async function compareVariants(variants: Variant[], path: string, options: CompareOptions): Promise<VariantRow[]> {
  const { connections, rounds, secondsPerRound, warmupSeconds = 1 } = options;
  const samples = new Map<string, autocannon.Result[]>(variants.map((v) => [v.variant, []]));
  const pidsOf = (v: Variant) => (v.pid === undefined ? [] : [v.pid, ...(v.alsoPids ?? [])]);
  const cpu = new Map<string, number[]>(variants.map((v) => [v.variant, pidsOf(v).map(() => 0)]));
  const { afterLoad = async () => {} } = options;
  for (const v of variants) {
    await load(v, path, connections, warmupSeconds); // warm up (and fill caches)
    await afterLoad(v, -1);
  }
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(round + i) % variants.length]!;
      const before = await Promise.all(pidsOf(v).map(cpuSeconds));
      samples.get(v.variant)?.push(await load(v, path, connections, secondsPerRound));
      const after = await Promise.all(pidsOf(v).map(cpuSeconds));
      cpu.set(v.variant, cpu.get(v.variant)!.map((spent, j) => spent + after[j]! - before[j]!));
      await afterLoad(v, round);
    }
  }
  return variants.map(({ variant }) => {
    const results = samples.get(variant) ?? [];
    const requests = results.reduce((sum, r) => sum + r.requests.total, 0);
    const each = (cpu.get(variant) ?? []).map((seconds) => (seconds / requests) * 1e6);
    return {
      variant,
      requestsPerSecond: median(results.map((r) => r.requests.average)),
      p50Ms: median(results.map((r) => r.latency.p50)),
      p99Ms: median(results.map((r) => r.latency.p99)),
      non2xx: results.reduce((sum, r) => sum + r.non2xx + r.errors, 0),
      cpuMicrosPerRequest: each.length === 0 ? NaN : each.reduce((a, b) => a + b, 0),
      cpuMicrosPerRequestEach: each,
      perRound: results.map((r) => r.requests.average),
    };
  });
}

function load(v: Variant, path: string, connections: number, seconds: number): Promise<autocannon.Result> {
  const { nextHeaders } = v;
  const requests = nextHeaders === undefined ? {} : { requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, headers: { ...req.headers, ...nextHeaders() } }) }] };
  return autocannon({ url: v.url + path, connections, duration: seconds, headers: v.headers ?? {}, ...requests });
}

/**
 * `a` as a share of `b`, measured in the same rounds: the median of the rounds' own ratios. The two ran
 * back to back in each round, so a slow stretch of the machine slows both and drops out of the ratio.
 */
export function pairedRatio(a: VariantRow, b: VariantRow): number {
  return median(a.perRound.map((x, i) => x / (b.perRound[i] ?? NaN)).filter(Number.isFinite));
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}
