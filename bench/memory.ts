import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { ADMIN_TOKEN, startIdentityService } from './identity-client.ts';
import { createBenchDocument, startFormgate, stop } from './processes.ts';
import { peakRssDuring, rssBytes } from './rss.ts';
import { BENCH_FORMS } from './sample-document.ts';

/**
 * The resident memory of one `formgate serve --protect all` process on PostgreSQL (the instant identity
 * service): idle after start, at its peak under 10 s of GET load, and after its identity cache was filled with
 * `cacheSize` distinct tokens. RSS is read from /proc/<pid>/status. The cache's own count of entries comes from
 * GET /api/v1/admin/auth-cache, not from the number of requests sent.
 */

export interface MemoryOptions {
  databaseUrl: string;
  cacheSize?: number;
  loadSeconds?: number;
  connections?: number;
}

export interface MemoryFigures {
  idleBytes: number;
  peakUnderLoadBytes: number;
  afterLoadBytes: number;
  loadRequestsPerSecond: number;
  filledBytes: number;
  fillRequests: number;
  fillSeconds: number;
  cacheEntries: number;
  cacheCapacity: number;
  failures: number;
}

const SETTLE_MS = 2_000;

export async function memoryFootprint(options: MemoryOptions): Promise<MemoryFigures> {
  const cacheSize = options.cacheSize ?? 100_000;
  const connections = options.connections ?? 16;
  const identity = await startIdentityService();
  let server: Awaited<ReturnType<typeof startFormgate>> | undefined;
  try {
    server = await startFormgate([
      '--database-url', options.databaseUrl, '--forms', BENCH_FORMS, '--auth-url', identity.url,
      '--protect', 'all', '--auth-cache-size', String(cacheSize), '--admin-group', 'admin',
    ]);
    const pid = server.child.pid!;
    await settle();
    const idleBytes = await rssBytes(pid);

    const loadToken = `memory-${randomBytes(12).toString('base64url')}`;
    const path = await createBenchDocument(server.url, loadToken);
    const load = autocannon({ url: server.url + path, connections, duration: options.loadSeconds ?? 10, headers: { authorization: `Bearer ${loadToken}` } });
    const { result: loaded, peakBytes } = await peakRssDuring(pid, load);
    await settle();
    const afterLoadBytes = await rssBytes(pid);

    // Every request a token never seen before: each one a miss, a call and a new entry.
    const prefix = `fill-${randomBytes(8).toString('base64url')}-`;
    let next = 0;
    const fill = await autocannon({
      url: `${server.url}/api/v1/me`,
      connections: 32,
      amount: cacheSize,
      requests: [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${prefix}${next++}` } }) }],
    });
    await settle();
    const filledBytes = await rssBytes(pid);
    const stats = await cacheStats(server.url);

    return {
      idleBytes,
      peakUnderLoadBytes: peakBytes,
      afterLoadBytes,
      loadRequestsPerSecond: loaded.requests.average,
      filledBytes,
      fillRequests: fill.requests.total,
      fillSeconds: fill.duration,
      cacheEntries: stats.size,
      cacheCapacity: stats.capacity,
      failures: loaded.non2xx + loaded.errors + fill.non2xx + fill.errors,
    };
  } finally {
    await Promise.all([server ? stop(server.child) : undefined, stop(identity.child)]);
  }
}

/** Time for the last answers' garbage to be collected and the process to go quiet before RSS is read. */
const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));

async function cacheStats(url: string): Promise<{ size: number; capacity: number }> {
  const res = await fetch(`${url}/api/v1/admin/auth-cache`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  if (res.status !== 200) throw new Error(`GET /api/v1/admin/auth-cache answered ${res.status}`);
  return (await res.json()) as { size: number; capacity: number };
}
