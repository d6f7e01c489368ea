import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { median } from './compare.ts';
import { startIdentityService } from './identity-client.ts';
import { createBenchDocument, startFormgate, stop } from './processes.ts';
import { BENCH_FORMS } from './sample-document.ts';

/**
 * A cold burst: N requests at once, all carrying tokens Formgate has never seen, against `--protect all`.
 * The identity service holds each answer (50 ms by default) so the whole burst arrives while the first call
 * is still out. With the cache, one new token must cost one call (the others wait for it), and N distinct
 * tokens N calls and no more; `--auth-cache-size 0` is the contrast, a call per request. The calls are read
 * from the identity service's own counter.
 *
 * The N connections are opened (and used once on /health/live, which needs no token) before the burst, so the
 * burst is N requests arriving together, not N TCP handshakes queueing up.
 */

export interface BurstOptions {
  databaseUrl: string;
  requests?: number;
  delayMs?: number;
  repeats?: number;
}

export interface BurstRow {
  variant: string;
  tokens: string;
  requests: number;
  /** Identity-service calls in each repeat of the burst. */
  calls: number[];
  target: number;
  /** Median over the repeats, from the first request sent to the last answer read. */
  medianMs: number;
  non200: number;
}

export async function coldBurst(options: BurstOptions): Promise<BurstRow[]> {
  const n = options.requests ?? 200;
  const repeats = options.repeats ?? 3;
  const identity = await startIdentityService({ delayMs: options.delayMs ?? 50 });
  const common = ['--database-url', options.databaseUrl, '--forms', BENCH_FORMS, '--auth-url', identity.url, '--protect', 'all'];
  const variants = [
    { variant: '--protect all (cache on)', flags: common, oneTokenTarget: 1 },
    { variant: '--protect all --auth-cache-size 0', flags: [...common, '--auth-cache-size', '0'], oneTokenTarget: n },
  ];
  const servers = [];
  try {
    for (const v of variants) servers.push({ ...v, ...(await startFormgate(v.flags)) });
    const path = await createBenchDocument(servers[0]!.url, newToken());
    const rows: BurstRow[] = [];
    for (const server of servers) {
      for (const tokens of ['one new token', `${n} distinct new tokens`]) {
        const row: BurstRow = { variant: server.variant, tokens, requests: n, calls: [], target: tokens === 'one new token' ? server.oneTokenTarget : n, medianMs: 0, non200: 0 };
        const times: number[] = [];
        for (let r = 0; r < repeats; r++) {
          const one = newToken();
          const burstTokens = Array.from({ length: n }, () => (tokens === 'one new token' ? one : newToken()));
          await identity.resetCounts();
          const { ms, statuses } = await burst(server.url, path, burstTokens);
          row.calls.push((await identity.counts()).calls);
          row.non200 += statuses.filter((s) => s !== 200).length;
          times.push(ms);
        }
        row.medianMs = median(times);
        rows.push(row);
      }
    }
    return rows;
  } finally {
    await Promise.all([...servers.map((s) => stop(s.child)), stop(identity.child)]);
  }
}

const newToken = () => `burst-${randomBytes(16).toString('base64url')}`;

/** Sends one GET per token, all at once, each on a connection of its own that is already open. */
async function burst(base: string, path: string, tokens: string[]): Promise<{ ms: number; statuses: number[] }> {
  const agent = new Agent({ keepAlive: true, maxSockets: tokens.length, maxFreeSockets: tokens.length });
  try {
    await Promise.all(tokens.map(() => get(agent, `${base}/health/live`, {})));
    const started = performance.now();
    const statuses = await Promise.all(tokens.map((token) => get(agent, base + path, { authorization: `Bearer ${token}` })));
    return { ms: performance.now() - started, statuses };
  } finally {
    agent.destroy();
  }
}

function get(agent: Agent, url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers, timeout: 30_000 }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.once('error', reject);
    req.end();
  });
}
