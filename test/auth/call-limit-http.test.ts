import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CacheStats } from '../../src/auth/cache.ts';
import type { CheckerStats as CallStats } from '../../src/auth/checker.ts';
import type { ProtectConfig } from '../../src/auth/protection.ts';
import type { AuthConfig } from '../../src/auth/settings.ts';
import type { Database } from '../../src/db/connect.ts';
import { buildTestApp, expectProblem, type TestApp } from '../support/app.ts';
import { DRIVERS, openMigratedDatabase } from '../support/databases.ts';
import { eventually } from '../support/process.ts';
import { startIdentityServer, type IdentityServer } from '../support/identity-server.ts';

/**
 * `--auth-max-calls` as a client of the whole app sees it, against a real, slow identity service on
 * 127.0.0.1 (one per test) that counts how many calls it is answering at once. Tokens are `<kind>.<random>`:
 * `admin` tokens are vouched for at once, every other token is rejected after `slowMs`. Calls end well
 * within `--auth-timeout`, so every 503 here is a refusal, never a call that timed out.
 */

const FORMS = '/api/v1/forms';
const NOTES = '/api/v1/forms/notes/documents';
const ADMIN = '/api/v1/admin/auth-cache';
const OPEN: ProtectConfig = { forms: 'none', documents: 'none' };
const REFUSED_DETAIL = /limit of calls in flight/;

let server: IdentityServer;
let database: Database;
let slowMs = 400;
const apps: TestApp[] = [];

const token = (kind: string): string => `${kind}.${randomUUID()}`;

beforeAll(async () => {
  database = await openMigratedDatabase(DRIVERS[0]!);
});
beforeEach(async () => {
  server = await startIdentityServer((call) =>
    call.token?.startsWith('admin.') ? { status: 200, body: { userId: 'root', groups: ['admin'] } } : { status: 401, delayMs: slowMs },
  );
});
afterEach(async () => {
  slowMs = 400;
  await server.close();
});
afterAll(async () => {
  await Promise.all(apps.map((t) => t.close()));
  await database?.close();
});

async function open(auth: Partial<AuthConfig>, protect = OPEN): Promise<TestApp> {
  const t = await buildTestApp(DRIVERS[0]!, { database, authUrl: server.url, auth, protect });
  apps.push(t);
  return t;
}

const get = (t: TestApp, path: string, bearer: string) => t.app.request(path, { headers: { authorization: `Bearer ${bearer}` } });

async function adminStats(t: TestApp, admin: string): Promise<CacheStats & CallStats> {
  const res = await get(t, ADMIN, admin);
  expect(res.status).toBe(200);
  return (await res.json()) as CacheStats & CallStats;
}

/** Counts of the statuses, and every 503 checked as a refusal or a timeout with its Retry-After. */
async function outcomes(path: string, responses: Response[]) {
  const statuses: Record<number, number> = {};
  for (const res of responses) {
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    if (res.status !== 503) {
      await res.body?.cancel();
      continue;
    }
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect((await expectProblem(res, 503, path)).detail).toMatch(REFUSED_DETAIL);
  }
  return statuses;
}

describe('--auth-max-calls', () => {
  it('never has more calls in flight at the service than the bound, however many unknown tokens arrive at once; the rest get 503, counted and logged', async () => {
    const t = await open({ maxCalls: 4, timeoutMs: 1500 });
    const admin = token('admin');
    await adminStats(t, admin);
    const callsBefore = server.calls.length;

    const responses = await Promise.all(Array.from({ length: 40 }, () => get(t, FORMS, token('unknown'))));
    const statuses = await outcomes(FORMS, responses);

    expect(server.maxInFlight()).toBe(4);
    // Each call the service answered was a 401; each request that got no call was refused with a 503.
    expect(Object.keys(statuses).sort()).toEqual(['401', '503']);
    expect(statuses[401]).toBe(server.calls.length - callsBefore);
    expect(statuses[503]).toBeGreaterThan(0);
    const stats = await adminStats(t, admin);
    expect(stats).toMatchObject({ maxCalls: 4, callsInFlight: 0, callsWaiting: 0, refused: statuses[503], failures: 0, misses: 40 + 1 });

    // One line for the first refusal, then at most one a second with the count since: every refusal is in one.
    const refusalLines = () => t.logs.filter((l) => l.level === 'warn' && typeof l.refused === 'number');
    const logged = () => refusalLines().reduce((sum, l) => sum + (l.refused as number), 0);
    await eventually(() => (logged() === statuses[503] ? true : undefined), 5000, 'every refusal logged');
    expect(refusalLines().length).toBeLessThan(Math.max(2, statuses[503]!));
    expect(refusalLines()[0]).toMatchObject({ maxCalls: 4, msg: expect.stringMatching(/--auth-max-calls 4/) });
  });

  it('serves a cached identity, and lets a request join a call already in flight, while every slot is taken', async () => {
    slowMs = 1500;
    const t = await open({ maxCalls: 2, timeoutMs: 3000 });
    const admin = token('admin');
    await adminStats(t, admin);
    const first = token('unknown');
    const flood = [get(t, FORMS, first), ...Array.from({ length: 6 }, () => get(t, FORMS, token('unknown')))];
    await eventually(() => (t.identityClient!.callStats().callsWaiting === 5 ? true : undefined), 5000, 'the limiter full, five waiting');
    await eventually(() => (server.inFlight() === 2 ? true : undefined), 5000, 'both calls at the service');

    // The cached admin is answered while both slots are taken and five wait: it did not queue behind them.
    const stats = await adminStats(t, admin);
    expect(stats).toMatchObject({ callsInFlight: 2, callsWaiting: 5 });
    expect(server.inFlight()).toBe(2);

    // A second request with the token whose call is in flight shares it and takes no place in the queue.
    const joined = get(t, FORMS, first);
    await eventually(() => (t.identityClient!.cacheStats().coalesced === 1 ? true : undefined), 5000, 'the second request joined the call');
    expect(t.identityClient!.callStats().callsWaiting).toBe(5);

    const statuses = await outcomes(FORMS, await Promise.all([...flood, joined]));
    expect(statuses[401]).toBeGreaterThanOrEqual(2);
    expect(server.maxInFlight()).toBe(2);
  });

  it('caps the calls with --auth-cache-size 0 too: the bound protects the service, not the cache', async () => {
    const t = await open({ maxCalls: 3, timeoutMs: 1500, cache: { size: 0, maxTtlS: 300, defaultTtlS: 60, negativeTtlS: 5, staleIfErrorS: 0 } });
    // One token sent 30 times at once: without a cache there is no single flight, so each costs a call.
    const same = token('unknown');
    const statuses = await outcomes(FORMS, await Promise.all(Array.from({ length: 30 }, () => get(t, FORMS, same))));
    expect(server.maxInFlight()).toBe(3);
    expect(statuses[503]).toBeGreaterThan(0);
    expect(t.identityClient!.callStats().refused).toBe(statuses[503]);
  });

  it('refuses with 503 and Retry-After, never 401, where the route needs a token', async () => {
    const t = await open({ maxCalls: 1, timeoutMs: 1500 }, { forms: 'all', documents: 'all' });
    const statuses = await outcomes(NOTES, await Promise.all(Array.from({ length: 10 }, () => get(t, NOTES, token('unknown')))));
    expect(statuses[503]).toBeGreaterThan(0);
    expect((statuses[401] ?? 0) + statuses[503]!).toBe(10);
    expect(server.maxInFlight()).toBe(1);
  });
});
