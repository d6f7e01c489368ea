import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../support/databases.ts';
import { FIXTURE_FORMS } from '../support/forms.ts';
import { delay, killAll, startServe, type ServerProcess } from '../support/process.ts';
import { startFlakyIdentity, type FlakyIdentity, type Vouch } from './support/flaky-identity.ts';
import { createdId, documentIdIn, pollFor, kinds, startLoad, tally, type Lane, type Outcome } from './support/load.ts';
import { documentIds } from './support/postgres.ts';

/**
 * The identity service fails under load — first answering 503, then gone (port closed), then hanging —
 * and comes back on the same port. Two real `formgate serve` processes share one PostgreSQL database and
 * the service: one without a stale window and one with `--auth-stale-if-error`. Throughout:
 *
 * - open routes (GET of documents under `--protect writes`) answer 200;
 * - a token cached before the outage works until its TTL ends (plus the stale window where set), and is
 *   503 after; a token never seen before is 503 with Retry-After; never a 401 or 500;
 * - once the service is back, both recover without a restart;
 * - every document acknowledged with 201 is in the database.
 *
 * Whether a warm token's request must pass or fail is decided from recorded times, never from a guess:
 * Formgate cached the token's last answer after the service wrote it (`vouch.at`) and before it answered the
 * request that caused the call (found by the `x-request-id` Formgate forwarded).
 */

const TTL_S = 2;
const STALE_S = 2;
const RETRY_AFTER_S = 3;
const AUTH_TIMEOUT_MS = 600;
const NOTES = '/api/v1/forms/notes/documents';

const postNote = (token: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  body: JSON.stringify({ title: 'written during an identity outage' }),
});

interface Served {
  readonly name: 'plain' | 'stale';
  readonly staleS: number;
  readonly server: ServerProcess;
}

let identity: FlakyIdentity;
let databaseUrl: string;
let served: Served[] = [];

beforeAll(async () => {
  identity = await startFlakyIdentity({ ttlS: TTL_S, retryAfterS: RETRY_AFTER_S });
  databaseUrl = await createPostgresDatabase();
  const start = async (name: Served['name'], staleS: number): Promise<Served> => {
    const server = await startServe([
      '--port', '0',
      '--database-url', databaseUrl,
      '--forms', FIXTURE_FORMS,
      '--protect', 'writes',
      '--auth-url', identity.url,
      '--auth-timeout', String(AUTH_TIMEOUT_MS),
      '--auth-stale-if-error', String(staleS),
      '--log-level', 'info',
    ]);
    return { name, staleS, server };
  };
  // One after the other: both migrate the same database at startup.
  served = [await start('plain', 0), await start('stale', STALE_S)];
});

afterAll(async () => {
  await killAll();
  await identity?.close();
});

function lanes(name: string): Lane[] {
  const post = (token: string) => ({ path: NOTES, init: postNote(token), tag: token });
  return [
    { name: 'open', workers: 2, pauseMs: 20, request: () => ({ path: '/api/v1/forms/notes/documents?limit=5' }) },
    // Worker i always sends the same token: cached before the outage, expiring during it.
    { name: 'warm', workers: 3, pauseMs: 20, request: (i) => post(`${name}-warm-${i}`) },
    // A token nobody has sent before, every time: it can only be checked by asking the service.
    { name: 'new', workers: 2, pauseMs: 20, request: (i, n) => post(`${name}-new-${i}-${n}`) },
  ];
}

describe('identity service outage under load', () => {
  it('keeps open routes and warm tokens working, answers 503 for the rest, recovers and loses nothing', async () => {
    const loads = served.map((s) => ({ ...s, load: startLoad({ baseUrl: s.server.url, lanes: lanes(s.name), maxDurationMs: 60_000 }) }));

    // Load with a healthy service until every lane of both servers has been answered a few times.
    const warmedUp = await pollFor(async () => loads.every(({ load }) => ['open', 'warm', 'new'].every((lane) => load.outcomes.filter((o) => o.lane === lane && o.status !== undefined && o.status < 300).length >= 3)), 80, 100);
    expect(warmedUp, 'every lane answered 2xx before the outage').toBe(true);

    const outageStart = Date.now();
    await identity.setMode('503');
    await delay(1_500);
    await identity.setMode('down');
    await delay(2_500);
    await identity.setMode('hang');
    await delay(2_500);
    const outageEnd = Date.now();
    await identity.setMode('up');
    const recoveredAt = Date.now();

    // Recovery without a restart: a token never seen before is accepted again (bounded polling).
    const acknowledged = new Set<string>();
    for (const { server, name } of loads) {
      let probe = 0;
      const back = await pollFor(async () => {
        const res = await fetch(`${server.url}${NOTES}`, { ...postNote(`${name}-probe-${probe++}`), signal: AbortSignal.timeout(5_000) });
        await res.body?.cancel();
        if (res.status === 201) acknowledged.add(documentIdIn(res.headers.get('location')));
        return res.status === 201;
      }, 40, 250);
      expect(back, `${name}: a new token is accepted again after the service returned`).toBe(true);
    }
    await delay(1_500);
    const results = await Promise.all(loads.map(async (l) => ({ ...l, outcomes: await l.load.stop() })));

    // Every call in each failing mode reached the service (or was refused): the outage really happened.
    expect(identity.calls['503']).toBeGreaterThan(0);
    expect(identity.calls.hang).toBeGreaterThan(0);

    for (const { name, staleS, server, outcomes } of results) {
      const of = (lane: string) => outcomes.filter((o) => o.lane === lane);
      const context = `${name}: ${JSON.stringify({ open: tally(of('open')), warm: tally(of('warm')), new: tally(of('new')) })}`;

      // The exact sets: open routes only ever 200; tokens 201 or 503, never 401, 500 or a dropped connection.
      expect(kinds(of('open')), context).toEqual(['200']);
      expect(kinds(of('warm')), context).toEqual(['201', '503']);
      expect(kinds(of('new')), context).toEqual(['201', '503']);
      for (const o of outcomes.filter((o) => o.status === 503)) expectServiceUnavailable(o);

      // New tokens: 503 for every request made wholly within the outage, 201 for every one after it.
      const newDuring = of('new').filter((o) => o.startedAt >= outageStart && o.endedAt <= outageEnd);
      expect(newDuring.length, context).toBeGreaterThan(0);
      expect(kinds(newDuring), context).toEqual(['503']);
      expect(kinds(of('new').filter((o) => o.startedAt >= recoveredAt)), context).toEqual(['201']);

      // Warm tokens: judged against each token's last answer before the outage.
      const logs = new Map(server.logs.filter((l) => l.msg === 'request' || l.msg === 'request failed').map((l) => [l.requestId, l]));
      const verdicts = { mustPass: 0, mustFail: 0, servedStale: 0 };
      for (let i = 0; i < 3; i++) {
        const token = `${name}-warm-${i}`;
        const vouch = lastVouchBefore(identity.vouches, token, outageStart);
        const trigger = outcomes.find((o) => o.requestId === vouch.requestId);
        expect(trigger, `${token}: the request that made Formgate ask the service was one of ours`).toBeDefined();
        const windowMs = (TTL_S + staleS) * 1000;
        const cachedNoEarlierThan = vouch.at;
        const cachedNoLaterThan = trigger!.endedAt;
        for (const o of of('warm').filter((o) => o.tag === token)) {
          if (o.endedAt < cachedNoEarlierThan + windowMs) {
            expect(o.status, `${token} within its TTL${staleS ? ' and stale window' : ''}: ${context}`).toBe(201);
            verdicts.mustPass++;
            if (o.startedAt > cachedNoLaterThan + TTL_S * 1000) {
              expect(logs.get(o.requestId)?.auth, `${token} past its TTL is served stale`).toBe('stale');
              verdicts.servedStale++;
            }
          } else if (o.startedAt > cachedNoLaterThan + windowMs && o.endedAt < outageEnd) {
            expect(o.status, `${token} expired while the service is down: ${context}`).toBe(503);
            verdicts.mustFail++;
          }
        }
      }
      // Each rule was exercised, so each could have failed.
      expect(verdicts.mustPass, context).toBeGreaterThan(0);
      expect(verdicts.mustFail, context).toBeGreaterThan(0);
      if (staleS > 0) expect(verdicts.servedStale, context).toBeGreaterThan(0);
      else expect([...logs.values()].some((l) => l.auth === 'stale'), `${name} has no stale window`).toBe(false);
      expect(kinds(of('warm').filter((o) => o.startedAt >= recoveredAt)), context).toEqual(['201']);

      for (const o of outcomes.filter((o) => o.status === 201)) acknowledged.add(createdId(o));
    }

    // Both servers stop cleanly, then the database holds exactly what was acknowledged.
    for (const { server } of results) expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const stored = await documentIds(databaseUrl);
    expect([...acknowledged].filter((id) => !stored.has(id)), 'acknowledged documents missing from the database').toEqual([]);
    // Failed requests stopped before the insert, so nothing else was written either.
    expect(stored.size).toBe(acknowledged.size);
  });
});

function expectServiceUnavailable(o: Outcome) {
  expect(o.headers?.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(o.headers?.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
}

function lastVouchBefore(vouches: readonly Vouch[], token: string, before: number): Vouch {
  const found = vouches.filter((v) => v.token === token && v.at < before).at(-1);
  if (found === undefined) throw new Error(`${token} was never vouched for before the outage`);
  return found;
}
