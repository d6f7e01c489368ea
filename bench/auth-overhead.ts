import autocannon from 'autocannon';
import { startFormgate, startScript } from './processes.ts';

/**
 * What authentication costs a request: the same GET of one document at fixed concurrency against three
 * Formgate processes on one database and one local identity service — `--protect none`, `--protect all`
 * with a warm cache, and `--protect all --auth-cache-size 0` (every request asks the service). The
 * variants take turns in short rounds, each round starting with another, so drift on the machine spreads
 * over all three alike; each figure is the median of the rounds.
 */

export interface AuthRow {
  variant: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

export interface AuthOverheadOptions {
  databaseUrl: string;
  connections?: number;
  rounds?: number;
  secondsPerRound?: number;
}

const FORM = 'event-registration';
const TOKEN = 'bench-token';

export async function authOverhead(options: AuthOverheadOptions): Promise<AuthRow[]> {
  const { connections = 16, rounds = 5, secondsPerRound = 4 } = options;
  const identity = await startScript('bench/identity-service.ts');
  const authUrl = identity.firstLine;
  const common = ['--database-url', options.databaseUrl, '--forms', 'examples/forms.yaml', '--auth-url', authUrl];
  const variants = [
    { variant: '--protect none', flags: [...common, '--protect', 'none'], token: false },
    { variant: '--protect all, warm cache', flags: [...common, '--protect', 'all'], token: true },
    { variant: '--protect all --auth-cache-size 0', flags: [...common, '--protect', 'all', '--auth-cache-size', '0'], token: true },
  ];
  // One at a time: the first applies the migrations the others then find done.
  const servers = [];
  for (const v of variants) servers.push({ ...v, ...(await startFormgate(v.flags)) });

  const created = await fetch(`${servers[0]!.url}/api/v1/forms/${FORM}/documents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ fullName: 'Bench Mark', email: 'bench@example.com', acceptsCodeOfConduct: true }),
  });
  if (created.status !== 201) throw new Error(`creating the benchmark document failed: ${created.status} ${await created.text()}`);
  const { id } = (await created.json()) as { id: string };
  const path = `/api/v1/forms/${FORM}/documents/${id}`;

  const samples = new Map<string, autocannon.Result[]>(variants.map((v) => [v.variant, []]));
  for (const server of servers) await load(server.url + path, server.token, connections, 1); // warm up, and fill the cache
  for (let round = 0; round < rounds; round++) {
    // Each round starts with a different variant, so none is always the one measured first.
    for (let i = 0; i < servers.length; i++) {
      const server = servers[(round + i) % servers.length]!;
      samples.get(server.variant)?.push(await load(server.url + path, server.token, connections, secondsPerRound));
    }
  }
  for (const server of servers) server.child.kill('SIGTERM');
  identity.child.kill('SIGTERM');

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

function load(url: string, withToken: boolean, connections: number, seconds: number): Promise<autocannon.Result> {
  return autocannon({ url, connections, duration: seconds, headers: withToken ? { authorization: `Bearer ${TOKEN}` } : {} });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}
