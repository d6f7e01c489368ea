import autocannon from 'autocannon';

/**
 * Measures the same request against several running servers side by side: the variants take turns in
 * short rounds, each round starting with another, so drift on the machine spreads over all alike; each
 * figure is the median of the rounds.
 */

export interface Variant {
  variant: string;
  url: string;
  headers?: Record<string, string>;
}

export interface VariantRow {
  variant: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

export interface CompareOptions {
  connections: number;
  rounds: number;
  secondsPerRound: number;
}

export async function compareVariants(variants: Variant[], path: string, options: CompareOptions): Promise<VariantRow[]> {
  const { connections, rounds, secondsPerRound } = options;
  const samples = new Map<string, autocannon.Result[]>(variants.map((v) => [v.variant, []]));
  for (const v of variants) await load(v, path, connections, 1); // warm up (and fill caches)
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(round + i) % variants.length]!;
      samples.get(v.variant)?.push(await load(v, path, connections, secondsPerRound));
    }
  }
  return variants.map(({ variant }) => {
    const results = samples.get(variant) ?? [];
    return {
      variant,
      requestsPerSecond: median(results.map((r) => r.requests.average)),
      p50Ms: median(results.map((r) => r.latency.p50)),
      p99Ms: median(results.map((r) => r.latency.p99)),
      non2xx: results.reduce((sum, r) => sum + r.non2xx + r.errors, 0),
    };
  });
}

function load(v: Variant, path: string, connections: number, seconds: number): Promise<autocannon.Result> {
  return autocannon({ url: v.url + path, connections, duration: seconds, headers: v.headers ?? {} });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}
