import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { createIdentityCache } from '../../src/auth/cache.ts';
import type { Identity, Verdict } from '../../src/auth/identity.ts';
import { tokenKey } from '../../src/auth/identity-client.ts';
import { createRevocationList } from '../../src/auth/revocation-list.ts';
import { createRevocationChannel, REVOCATION_CHANNEL } from '../../src/auth/revocations/channel.ts';
import { createRevocationService, tokenRefusedUntil } from '../../src/auth/revocations/service.ts';
import { revocationStore } from '../../src/auth/revocations/store.ts';
import { openDatabase, type Database } from '../../src/db/connect.ts';
import { authRevocations } from '../../src/db/schema.ts';
import { createLogger } from '../../src/logger.ts';
import { type LogLine } from '../support/app.ts';
import { createPostgresDatabase, DRIVERS } from '../support/databases.ts';
import { eventually } from '../support/process.ts';

/**
 * The revocation channel and service of several replicas in one process, each with its own cache, list
 * and channel, on one real database: PGlite (in-process notifications) and PostgreSQL (LISTEN/NOTIFY, one
 * `Database` per replica as separate processes would have). The caches are the real identity cache.
 */

const MAX_LIFETIME_MS = 3_600_000;
const TOLERANCE_MS = 30_000;
const opened: Database[] = [];
const stops: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
  await Promise.all(opened.splice(0).map((d) => d.close()));
});

const person = (userId: string): Identity => ({ kind: 'person', userId, groups: [], scopes: [] });
const valid = (userId: string): Verdict => ({ kind: 'valid', identity: person(userId), freshness: { noStore: false } });

async function replica(database: Database, id: string, options: { jwt?: boolean } = {}) {
  const logs: LogLine[] = [];
  const logger = createLogger('info', { write: (chunk: string) => void chunk.split('\n').filter(Boolean).forEach((l) => logs.push(JSON.parse(l) as LogLine)) });
  const cache = createIdentityCache({ size: 100, maxTtlS: 300, defaultTtlS: 60, negativeTtlS: 30, staleIfErrorS: 0 });
  const list = createRevocationList();
  const local = { cache: { clearCache: cache.clear, dropUser: cache.dropUser, dropToken: cache.dropKey }, list, holds: options.jwt === true };
  const store = revocationStore(database.db);
  const channel = createRevocationChannel({ notifications: database.notifications, local, store, replicaId: id, logger });
  const service = createRevocationService({ local, channel, store, logger, ...(options.jwt ? { lifetime: { maxMs: MAX_LIFETIME_MS, toleranceMs: TOLERANCE_MS } } : {}) });
  await channel.start();
  stops.push(() => channel.stop());
  const warm = (key: string, userId: string) => cache.validate(key, async () => valid(userId));
  /** Whether the cache answers for `key` without asking (it is then left as it was). */
  const holdsKey = async (key: string) => (await cache.validate(key, async () => ({ kind: 'failed', failure: { kind: 'unavailable', reason: 'probe' } }))).source === 'hit';
  return { id, cache, list, channel, service, logs, warm, holdsKey };
}

async function openOn(url: string | undefined): Promise<Database> {
  const database = await openDatabase(url === undefined ? { kind: 'pglite-memory' } : { kind: 'postgres', url });
  opened.push(database);
  await database.migrate();
  return database;
}

describe.each(DRIVERS)('revocation between replicas on $name', (driver) => {
  let databases: () => Promise<Database>;

  // A hook, not a test: making the embedded database's template on a busy machine may take a while.
  beforeAll(async () => {
    const target = await driver.target();
    if (target.kind === 'postgres') databases = () => openOn(target.url);
    else {
      // One embedded database is one process's: its replicas share the one `Database`.
      const shared = await openOn(undefined);
      databases = async () => shared;
    }
  }, 120_000);

  it('empties every replica’s cache, and counts the replicas told', async () => {
    const a = await replica(await databases(), 'a1');
    const b = await replica(await databases(), 'b1');
    await a.warm('k-a', 'alice');
    await b.warm('k-b', 'alice');
    await b.warm('k-b2', 'bob');
    const result = await a.service.revokeAll('root');
    expect(result).toEqual({ ok: true, value: { cleared: 1, replicas: 2 } });
    await eventually(() => (b.cache.stats().size === 0 ? true : undefined), 1_000, 'b to empty its cache');
    expect(b.channel.received).toBe(1);
    expect(a.channel.received).toBe(0);
    expect(a.service.stats()).toMatchObject({ emptied: 1, users: 0, tokens: 0, received: 0, held: 0 });
    expect(a.logs.find((l) => l.msg === 'auth cache revocation')).toMatchObject({ revocation: { what: 'all' }, by: 'root', replicas: 2, cleared: 1 });
    expect(b.logs.find((l) => l.msg === 'revocation received from another replica')).toMatchObject({ what: 'all', from: 'a1' });
    await a.channel.stop();
    await b.channel.stop();
  });

  it('drops one user’s identities everywhere, and one token, leaving the rest cached', async () => {
    const a = await replica(await databases(), 'a2');
    const b = await replica(await databases(), 'b2');
    for (const r of [a, b]) {
      await r.warm('alice-1', 'alice');
      await r.warm('bob-1', 'bob');
      await r.warm(tokenKey('carol-token'), 'carol');
    }
    const user = await a.service.revokeUser('root', 'alice');
    expect(user).toEqual({ ok: true, value: { cleared: 1, replicas: 2, user: 'alice' } });
    await eventually(() => (b.channel.received === 1 ? true : undefined), 1_000, 'b to hear of alice');
    expect(await b.holdsKey('alice-1')).toBe(false);
    expect(await b.holdsKey('bob-1')).toBe(true);

    const token = await b.service.revokeToken('root', 'carol-token');
    expect(token).toEqual({ ok: true, value: { cleared: 1, replicas: 2 } });
    await eventually(() => (a.channel.received === 1 ? true : undefined), 1_000, 'a to hear of the token');
    expect(await a.holdsKey(tokenKey('carol-token'))).toBe(false);
    expect(await a.holdsKey('bob-1')).toBe(true);
    // The notification names the token by its key: no log line here carries the token.
    expect(JSON.stringify([...a.logs, ...b.logs])).not.toContain('carol-token');
    // HTTP protocols keep nothing: the next use asks the service again.
    expect(a.list.size + b.list.size).toBe(0);
    await a.channel.stop();
    await b.channel.stop();
  });

  it('jwt: keeps the revocations in the database, so a replica started later refuses them too', async () => {
    const database = await databases();
    const a = await replica(database, 'a3', { jwt: true });
    const b = await replica(await databases(), 'b3', { jwt: true });
    const before = Date.now();
    const user = await a.service.revokeUser('root', 'dora');
    expect(user.ok && user.value.refusedUntil).toBeTruthy();
    const until = Date.parse((user as { value: { refusedUntil: string } }).value.refusedUntil);
    expect(until).toBeGreaterThanOrEqual(before + MAX_LIFETIME_MS + TOLERANCE_MS);
    expect(until).toBeLessThanOrEqual(Date.now() + MAX_LIFETIME_MS + TOLERANCE_MS);
    const revokedToken = 'not-even-a-jwt';
    const token = await a.service.revokeToken('root', revokedToken);
    expect(token.ok && token.value.refusedUntil).toBeTruthy();
    await eventually(() => (b.list.size === 2 ? true : undefined), 1_000, 'b to hold both revocations');
    expect(a.service.stats()).toMatchObject({ users: 1, tokens: 1, held: 2 });

    const later = await replica(await databases(), 'c3', { jwt: true });
    expect(later.list.size).toBe(2);
    expect(later.list.refuses(tokenKey(revokedToken), person('someone'))).toBe(true);
    expect(later.list.refuses('x'.repeat(43), person('dora'))).toBe(true);
    expect(later.list.refuses('x'.repeat(43), person('erin'))).toBe(false);

    // The row names the token by its key, and an expired row is swept out by the next write.
    const rows = await database.db.select().from(authRevocations);
    expect(rows.map((r) => r.subject).sort()).toEqual(['dora', tokenKey(revokedToken)].sort());
    await database.db.insert(authRevocations).values({ kind: 'user', subject: 'gone', revokedAt: new Date(0), expiresAt: new Date(1000) });
    await a.service.revokeUser('root', 'dora');
    expect((await database.db.select().from(authRevocations)).map((r) => r.subject)).not.toContain('gone');
    for (const r of [a, b, later]) await r.channel.stop();
  });
});

describe('a token’s refusal', () => {
  const lifetime = { maxMs: MAX_LIFETIME_MS, toleranceMs: TOLERANCE_MS };
  const jwt = (claims: object) => `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
  const now = 1_800_000_000_000;

  it('lasts until its exp and the clock tolerance, at most the longest lifetime from now', () => {
    expect(tokenRefusedUntil(jwt({ exp: now / 1000 + 600 }), now, lifetime)).toBe(now + 600_000 + TOLERANCE_MS);
    expect(tokenRefusedUntil(jwt({ exp: now / 1000 + 86_400 }), now, lifetime)).toBe(now + MAX_LIFETIME_MS + TOLERANCE_MS);
    expect(tokenRefusedUntil(jwt({ sub: 'a' }), now, lifetime)).toBe(now + MAX_LIFETIME_MS + TOLERANCE_MS);
    expect(tokenRefusedUntil('opaque', now, lifetime)).toBe(now + MAX_LIFETIME_MS + TOLERANCE_MS);
  });
});

describe('the PostgreSQL channel when its connection drops', () => {
  it('logs the loss, comes back, empties the cache and reloads the kept revocations', { timeout: 30_000 }, async () => {
    const url = await createPostgresDatabase();
    const a = await replica(await openOn(url), 'drop-a', { jwt: true });
    const b = await replica(await openOn(url), 'drop-b', { jwt: true });
    await b.warm('k1', 'alice');
    // Terminating b's listening session is what a restart of PostgreSQL or a cut connection looks like to b.
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const [killed] = await admin<{ n: number }[]>`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where application_name = ${`${REVOCATION_CHANNEL}:drop-b`}`;
      expect(killed!.n).toBe(1);
      await eventually(() => b.logs.find((l) => /the revocation channel is down/.test(l.msg ?? '')), 5_000, 'b to notice');
      // Meanwhile a revokes a token: b misses the notification, but the row is kept.
      const missed = await a.service.revokeToken('root', 'missed-token');
      expect(missed.ok).toBe(true);
      await eventually(() => b.logs.find((l) => /the revocation channel is back/.test(l.msg ?? '')), 10_000, 'b to come back');
      expect(b.cache.stats().size).toBe(0);
      await eventually(() => (b.list.refuses(tokenKey('missed-token'), person('x')) ? true : undefined), 2_000, 'b to reload the kept revocation');
      // Listening again: the next revocation arrives as usual.
      await b.warm('k2', 'bob');
      const again = await a.service.revokeUser('root', 'bob');
      expect(again.ok && again.value.replicas).toBe(2);
      await eventually(() => (b.cache.stats().size === 0 ? true : undefined), 1_000, 'b to drop bob');
    } finally {
      await admin.end();
    }
  });
});

describe('a revocation while PostgreSQL is out of reach', () => {
  it('is applied here and says the other replicas could not be told (a 503 at the edge), never a throw', async () => {
    const url = await createPostgresDatabase();
    const database = await openOn(url);
    const a = await replica(database, 'down-a', { jwt: true });
    await a.warm('k1', 'alice');
    await database.close();
    const all = await a.service.revokeAll('root');
    expect(all).toMatchObject({ ok: false, error: { kind: 'unavailable' } });
    expect(a.cache.stats().size).toBe(0);
    const user = await a.service.revokeUser('root', 'alice');
    expect(user).toMatchObject({ ok: false, error: { kind: 'unavailable', detail: expect.stringMatching(/kept in the database/) } });
    // Held here all the same: this replica refuses what it was asked to.
    expect(a.list.refuses('x'.repeat(43), person('alice'))).toBe(true);
    expect(a.logs.filter((l) => l.level === 'warn' && /^a revocation could not/.test(l.msg ?? ''))).toHaveLength(2);
  });
});
