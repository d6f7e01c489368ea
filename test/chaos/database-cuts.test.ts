import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createPostgresDatabase } from '../support/databases.ts';
import { FIXTURE_FORMS } from '../support/forms.ts';
import { delay, fetchWithin, killAll, startServe, type ServerProcess } from '../support/process.ts';
import { createdId, documentIdIn, pollFor, kinds, startLoad, tally, type Load, type Outcome } from './support/load.ts';
import { controlCluster, ensureRunning, localCluster, storedHistories, terminateBackends } from './support/postgres.ts';

/**
 * PostgreSQL fails under write load: its connections to Formgate are cut (`pg_terminate_backend`), and
 * the whole server restarts. A real `formgate serve` on a database of its own must answer every write
 * with 201/200 or 503 (with Retry-After), never 500; keep every write it acknowledged; report `fail` on
 * /health while the database is down; and recover by itself. The load creates documents (one statement
 * each) and changes others (a transaction each: lock, update, version), so both kinds of write meet the cuts.
 *
 * The restart stops the run's shared PostgreSQL, so `afterAll` starts it again whatever happened here.
 */

const cluster = localCluster();
const NOTES = '/api/v1/forms/notes/documents';
const NOTE: RequestInit = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'written while the database is cut' }) };

const UPDATERS = 4;

let databaseUrl: string;
let server: ServerProcess;
/** One note per updating worker, which only that worker changes. */
let changing: string[];

// Each test has a Formgate of its own, so one that a fault brought down cannot fail the next.
beforeEach(async () => {
  databaseUrl = await createPostgresDatabase();
  server = await startServe(['--port', '0', '--database-url', databaseUrl, '--forms', FIXTURE_FORMS, '--protect', 'none', '--log-level', 'info']);
  changing = [];
  for (let i = 0; i < UPDATERS; i++) {
    const res = await fetchWithin(server.url + NOTES, NOTE);
    expect(res.status).toBe(201);
    changing.push(documentIdIn(res.headers.get('location')));
  }
});

afterEach(async () => {
  await killAll();
  if (cluster) await ensureRunning(cluster, inject('postgresAdminUrl'));
});

/** Formgate is still running: a fault must never take the process down. */
function expectAlive() {
  expect(server.child.exitCode, `formgate exited; stderr: ${server.stderr().slice(-2_000)}`).toBeNull();
}

function writeLoad(): Load {
  return startLoad({
    baseUrl: server.url,
    lanes: [
      { name: 'create', workers: 3, pauseMs: 10, request: () => ({ path: NOTES, init: NOTE }) },
      {
        name: 'update',
        workers: UPDATERS,
        pauseMs: 10,
        // A new title each time, so every acknowledged change is a new version.
        request: (worker, n) => ({
          path: `${NOTES}/${changing[worker]}`,
          tag: changing[worker]!,
          init: { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: `change ${n}` }) },
        }),
      },
    ],
    maxDurationMs: 90_000,
  });
}

const succeeded = (o: Outcome) => o.status === 201 || o.status === 200;
/** Both kinds of write succeeded for a request sent after `at`. */
const writesAfter = (load: Load, at: number) =>
  ['create', 'update'].every((lane) => load.outcomes.some((o) => o.lane === lane && succeeded(o) && o.startedAt > at));

/** Waits (bounded) until creates and changes sent after `at` succeed again: Formgate recovered by itself. */
async function recoveredAfter(load: Load, at: number): Promise<boolean> {
  // A process that died cannot recover: stop waiting at once.
  await pollFor(async () => writesAfter(load, at) || server.child.exitCode !== null, 120, 250);
  return writesAfter(load, at);
}

const lane = (outcomes: readonly Outcome[], name: string) => outcomes.filter((o) => o.lane === name);

/** What every outcome of a write-load must satisfy, whatever the fault. */
async function expectNothingLost(outcomes: readonly Outcome[]): Promise<void> {
  const creates = lane(outcomes, 'create');
  const updates = lane(outcomes, 'update');
  const context = JSON.stringify({ create: tally(creates), update: tally(updates) });
  // The exact sets (503 appears only when a fault hit a request; success always).
  expect(['201', '503'], context).toEqual(expect.arrayContaining(kinds(creates)));
  expect(['200', '503'], context).toEqual(expect.arrayContaining(kinds(updates)));
  expect(kinds(creates), context).toContain('201');
  expect(kinds(updates), context).toContain('200');
  for (const o of outcomes.filter((o) => o.status === 503)) {
    expect(o.headers?.get('content-type'), o.body).toMatch(/^application\/problem\+json/);
    expect(o.headers?.get('retry-after'), o.body).toMatch(/^[1-9][0-9]*$/);
  }
  const stored = await storedHistories(databaseUrl);
  const acknowledged = creates.filter((o) => o.status === 201).map(createdId);
  expect(acknowledged.filter((id) => !stored.has(id)), 'acknowledged documents missing from the database').toEqual([]);
  // Every stored document, acknowledged or not, came with exactly one first version (the create is one statement).
  expect([...stored].filter(([, h]) => h.creates !== 1), 'documents without exactly one create version').toEqual([]);
  // Each acknowledged change stored a version; a change answered 503 may or may not have been committed.
  for (const id of changing) {
    const changed = updates.filter((o) => o.tag === id && o.status === 200).length;
    expect(stored.get(id)?.versions, `versions of ${id} after ${changed} acknowledged changes`).toBeGreaterThanOrEqual(1 + changed);
  }
}

async function healthStatus(): Promise<number> {
  const res = await fetchWithin(`${server.url}/health`, {}, 10_000);
  await res.body?.cancel();
  return res.status;
}

describe('database cuts under write load', () => {
  it("survives pg_terminate_backend on Formgate's connections", async () => {
    const load = writeLoad();
    expect(await recoveredAfter(load, 0), 'writes succeed before the cuts').toBe(true);

    let ended = 0;
    let lastCut = 0;
    for (let cut = 0; cut < 3; cut++) {
      ended += await terminateBackends(databaseUrl);
      lastCut = Date.now();
      await delay(700);
    }
    expect(ended, 'connections were cut').toBeGreaterThan(0);
    const recovered = await recoveredAfter(load, lastCut);
    expectAlive();
    expect(recovered, 'writes succeed again after the cuts').toBe(true);
    // Long enough past the last cut for the pool to have seen every close, on a loaded 2-core machine.
    await delay(Math.max(500, lastCut + 4_000 - Date.now()));
    const outcomes = await load.stop();
    await expectNothingLost(outcomes);
    // Once recovered, it stays recovered: every write sent well after the last cut succeeded.
    expect(kinds(outcomes.filter((o) => o.startedAt > lastCut + 3_000)), JSON.stringify(tally(outcomes))).toEqual(['200', '201']);
  });

  it.skipIf(cluster === undefined)('survives a PostgreSQL restart and a stop, failing /health only while it is down', async () => {
    const load = writeLoad();
    expect(await recoveredAfter(load, 0), 'writes succeed before the restart').toBe(true);

    // (b) a full restart, under load.
    await controlCluster(cluster!, 'restart');
    const restarted = Date.now();
    const recovered = await recoveredAfter(load, restarted);
    expectAlive();
    expect(recovered, 'writes succeed again after the restart').toBe(true);

    // Down for a while: /health fails until it is back.
    expect(await healthStatus()).toBe(200);
    await controlCluster(cluster!, 'stop');
    const stopped = Date.now();
    expect(await pollFor(async () => (await healthStatus()) === 503, 40, 250), '/health fails while the database is down').toBe(true);
    await delay(1_000);
    const starting = Date.now();
    await controlCluster(cluster!, 'start');
    const started = Date.now();
    expect(await pollFor(async () => (await healthStatus()) === 200, 80, 250), '/health passes once the database is back').toBe(true);
    const back = await recoveredAfter(load, started);
    expectAlive();
    expect(back, 'writes succeed again after the start').toBe(true);
    await delay(500);
    const outcomes = await load.stop();

    await expectNothingLost(outcomes);
    // Writes were under way while the database was down. Each either waited for it and succeeded, or
    // failed with 503 (the pool waits for a connection at most 10 s; the load gives up on none); some failed.
    const whileDown = outcomes.filter((o) => o.startedAt < starting && o.endedAt > stopped);
    expect(whileDown.length).toBeGreaterThan(0);
    expect(kinds(lane(outcomes, 'create')), JSON.stringify(tally(outcomes))).toEqual(['201', '503']);
  });
});
