import { createHash, randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { SourcedVerdict } from '../../src/auth/cache.ts';
import { createIdentityClient, tokenKey, type IdentityClient } from '../../src/auth/identity-client.ts';
import type { AuthCacheConfig, AuthConfig } from '../../src/auth/settings.ts';
import { createLogger } from '../../src/logger.ts';
import { authConfig, type LogLine } from '../support/app.ts';
import { startIdentityServer, type IdentityServer, type Script, type ScriptedAnswer } from '../support/identity-server.ts';

/**
 * The identity cache seen through the identity service: real HTTP calls to a scripted server on 127.0.0.1,
 * counted on the server's side, with the cache's clock moved by hand. The clock starts at a real epoch
 * time, on a whole second, because `expiresAt` and `exp` are absolute and `exp` has one-second precision.
 */

// Every token handed to a service in this file; no log line may ever contain one of them.
const tokensUsed = new Set<string>();
// Raw log output of the test being run, checked against every token after each test.
let rawLines: string[] = [];
const servers: IdentityServer[] = [];

function newToken(label = 'token'): string {
  const token = `${label}-${randomUUID()}`;
  tokensUsed.add(token);
  return token;
}

async function serve(script?: Script): Promise<IdentityServer> {
  const server = await startIdentityServer(script);
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  const lines = rawLines;
  rawLines = [];
  for (const line of lines) for (const token of tokensUsed) expect(line, 'a log line carries a raw token').not.toContain(token);
});

interface Clock {
  readonly start: number;
  now(): number;
  /** Moves the clock to `start + ms`. */
  at(ms: number): void;
}

function newClock(): Clock {
  const start = Math.floor(Date.now() / 1000) * 1000;
  let current = start;
  return { start, now: () => current, at: (ms) => void (current = start + ms) };
}

interface Harness {
  service: IdentityClient;
  clock: Clock;
  logs: LogLine[];
  warnings(): LogLine[];
  /** Calls the server got for this token. */
  calls(token: string): number;
  validate(token: string, requestId?: string): Promise<SourcedVerdict>;
}

function harness(server: IdentityServer, options: { cache?: Partial<AuthCacheConfig>; auth?: Partial<AuthConfig> } = {}): Harness {
  const base = authConfig(server.url, options.auth);
  const auth = { ...base, url: server.url, cache: { ...base.cache, ...options.cache } };
  const clock = newClock();
  const logs: LogLine[] = [];
  const logger = createLogger('info', {
    write(chunk: string) {
      for (const line of chunk.split('\n')) {
        if (line.trim() === '') continue;
        rawLines.push(line);
        logs.push(JSON.parse(line) as LogLine);
      }
    },
  });
  const service = createIdentityClient(auth, { logger, now: clock.now });
  return {
    service,
    clock,
    logs,
    warnings: () => logs.filter((l) => l.level === 'warn'),
    calls: (token) => server.calls.filter((c) => c.token === token).length,
    validate: (token, requestId) => service.validate(token, requestId === undefined ? {} : { requestId }),
  };
}

const INTROSPECTION: Partial<AuthConfig> = { protocol: 'introspection', clientId: 'formgate', clientSecret: 'client-secret-for-tests' };

const alice = (extra: Record<string, unknown> = {}): ScriptedAnswer => ({ status: 200, body: { userId: 'alice', groups: ['staff'], ...extra } });

const iso = (ms: number) => new Date(ms).toISOString();

function expectIdentity(result: SourcedVerdict, userId = 'alice') {
  expect(result.verdict.kind).toBe('valid');
  if (result.verdict.kind === 'valid') expect(result.verdict.identity.userId).toBe(userId);
}

function sourcesOf(results: SourcedVerdict[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.source] = (counts[r.source] ?? 0) + 1;
  return counts;
}

/** Bounded wait for the server to have received `n` calls. */
async function untilCalls(server: IdentityServer, n: number) {
  for (let i = 0; i < 400 && server.calls.length < n; i++) await new Promise((r) => setTimeout(r, 5));
  expect(server.calls.length).toBe(n);
}

/** Kept for exactly `ms`: still a hit 1 ms before it ends, a new call 1 ms after. */
async function expectKeptFor(h: Harness, token: string, ms: number) {
  h.clock.at(ms - 1);
  const before = await h.validate(token);
  expect(before.source).toBe('hit');
  expectIdentity(before);
  expect(h.calls(token)).toBe(1);
  h.clock.at(ms + 1);
  const after = await h.validate(token);
  expect(after.source).toBe('miss');
  expectIdentity(after);
  expect(h.calls(token)).toBe(2);
}

describe('how long an identity is kept', () => {
  const sources: {
    rule: string;
    auth?: Partial<AuthConfig>;
    cache?: Partial<AuthCacheConfig>;
    answer: (start: number) => ScriptedAnswer;
    decidedBy: string;
  }[] = [
    { rule: "the body's ttl", answer: () => alice({ ttl: 42 }), decidedBy: 'ttl' },
    { rule: 'Cache-Control: max-age', answer: () => ({ ...alice(), headers: { 'cache-control': 'max-age=42' } }), decidedBy: 'max-age' },
    { rule: 'the time left to expiresAt', answer: (start) => alice({ expiresAt: iso(start + 42_000) }), decidedBy: 'expiresAt' },
    {
      rule: "the time left to introspection's exp",
      auth: INTROSPECTION,
      answer: (start) => ({ status: 200, body: { active: true, sub: 'alice', exp: start / 1000 + 42 } }),
      decidedBy: 'exp',
    },
    { rule: '--auth-cache-max-ttl, over a longer ttl', cache: { maxTtlS: 42 }, answer: () => alice({ ttl: 3600 }), decidedBy: 'max-ttl' },
    { rule: '--auth-cache-default-ttl, when the answer names no lifetime', cache: { defaultTtlS: 42 }, answer: () => alice(), decidedBy: 'default' },
  ];

  it.each(sources)('follows $rule', async ({ auth, cache, answer, decidedBy }) => {
    const server = await serve();
    const h = harness(server, { ...(auth ? { auth } : {}), ...(cache ? { cache } : {}) });
    server.answer(answer(h.clock.start));
    const token = newToken();
    const first = await h.validate(token);
    expect(first.source).toBe('miss');
    expectIdentity(first);
    expect(first.ttl).toEqual({ ms: 42_000, decidedBy });
    await expectKeptFor(h, token, 42_000);
  });

  const combinations: {
    smallest: string;
    auth?: Partial<AuthConfig>;
    cache?: Partial<AuthCacheConfig>;
    answer: (start: number) => ScriptedAnswer;
  }[] = [
    { smallest: 'ttl', answer: (start) => ({ ...alice({ ttl: 20, expiresAt: iso(start + 60_000) }), headers: { 'cache-control': 'max-age=40' } }) },
    { smallest: 'max-age', answer: (start) => ({ ...alice({ ttl: 60, expiresAt: iso(start + 40_000) }), headers: { 'cache-control': 'max-age=20' } }) },
    { smallest: 'expiresAt', answer: (start) => ({ ...alice({ ttl: 40, expiresAt: iso(start + 20_000) }), headers: { 'cache-control': 'max-age=60' } }) },
    {
      smallest: 'max-ttl',
      cache: { maxTtlS: 20 },
      answer: (start) => ({ ...alice({ ttl: 90, expiresAt: iso(start + 70_000) }), headers: { 'cache-control': 'max-age=80' } }),
    },
    {
      smallest: 'exp',
      auth: INTROSPECTION,
      answer: (start) => ({ status: 200, body: { active: true, sub: 'alice', exp: start / 1000 + 20 }, headers: { 'cache-control': 'max-age=40' } }),
    },
    {
      smallest: 'max-age',
      auth: INTROSPECTION,
      answer: (start) => ({ status: 200, body: { active: true, sub: 'alice', exp: start / 1000 + 40 }, headers: { 'cache-control': 'max-age=20' } }),
    },
  ];

  it.each(combinations)('takes the smallest of several sources ($smallest smallest)', async ({ smallest, auth, cache, answer }) => {
    const server = await serve();
    const h = harness(server, { ...(auth ? { auth } : {}), ...(cache ? { cache } : {}) });
    server.answer(answer(h.clock.start));
    const token = newToken();
    const first = await h.validate(token);
    expect(first.ttl).toEqual({ ms: 20_000, decidedBy: smallest });
    await expectKeptFor(h, token, 20_000);
  });

  it.each(['no-store', 'no-cache', 'max-age=60, no-cache', 'private, no-store'])('keeps nothing under Cache-Control: %s, even with a ttl in the body', async (header) => {
    const server = await serve({ ...alice({ ttl: 60 }), headers: { 'cache-control': header } });
    const h = harness(server);
    const token = newToken();
    for (let i = 1; i <= 3; i++) {
      const result = await h.validate(token);
      expect(result.source).toBe('miss');
      expect(result.ttl).toEqual({ ms: 0, decidedBy: 'no-store' });
      expectIdentity(result);
      expect(h.calls(token)).toBe(i);
    }
    expect(h.service.cacheStats()).toMatchObject({ size: 0, misses: 3, hits: 0 });
  });

  it('accepts an identity whose expiresAt has already passed, but does not keep it', async () => {
    const server = await serve();
    const h = harness(server);
    server.answer(alice({ ttl: 60, expiresAt: iso(h.clock.start - 1000) }));
    const token = newToken();
    const first = await h.validate(token);
    expectIdentity(first);
    expect(first.ttl).toEqual({ ms: 0, decidedBy: 'expiresAt' });
    const second = await h.validate(token);
    expect(second.source).toBe('miss');
    expectIdentity(second);
    expect(h.calls(token)).toBe(2);
    expect(h.service.cacheStats().size).toBe(0);
  });

  it("accepts an introspection answer whose exp has already passed, but does not keep it", async () => {
    const server = await serve();
    const h = harness(server, { auth: INTROSPECTION });
    server.answer({ status: 200, body: { active: true, sub: 'alice', exp: h.clock.start / 1000 - 1 } });
    const token = newToken();
    expectIdentity(await h.validate(token));
    expectIdentity(await h.validate(token));
    expect(h.calls(token)).toBe(2);
  });
});

describe('rejections', () => {
  const rejections: { answer: ScriptedAnswer; auth?: Partial<AuthConfig>; what: string }[] = [
    { what: 'a 401', answer: { status: 401 } },
    { what: 'a 403', answer: { status: 403 } },
    { what: 'an introspection answer with active: false', answer: { status: 200, body: { active: false } }, auth: INTROSPECTION },
  ];

  it.each(rejections)('keeps $what for --auth-negative-ttl, then asks again', async ({ answer, auth }) => {
    const server = await serve(answer);
    const h = harness(server, { cache: { negativeTtlS: 5 }, ...(auth ? { auth } : {}) });
    const token = newToken('bad');
    const first = await h.validate(token);
    expect(first).toMatchObject({ source: 'miss', verdict: { kind: 'rejected' } });
    h.clock.at(4999);
    const within = await h.validate(token);
    expect(within).toMatchObject({ source: 'hit', verdict: { kind: 'rejected' } });
    expect(h.calls(token)).toBe(1);
    h.clock.at(5001);
    const after = await h.validate(token);
    expect(after).toMatchObject({ source: 'miss', verdict: { kind: 'rejected' } });
    expect(h.calls(token)).toBe(2);
  });

  it('asks on every request when --auth-negative-ttl is 0', async () => {
    const server = await serve({ status: 401 });
    const h = harness(server, { cache: { negativeTtlS: 0 } });
    const token = newToken('bad');
    for (let i = 1; i <= 3; i++) {
      expect(await h.validate(token)).toMatchObject({ source: 'miss', verdict: { kind: 'rejected', status: 401 } });
      expect(h.calls(token)).toBe(i);
    }
    expect(h.service.cacheStats()).toMatchObject({ size: 0, rejections: 3 });
  });

  it('logs no warning for a rejection: a bad token is the caller’s problem, not the service’s', async () => {
    const server = await serve({ status: 401 });
    const h = harness(server);
    await h.validate(newToken('bad'), 'req-rejected');
    expect(h.warnings()).toEqual([]);
  });
});

describe('failures are never kept', () => {
  const failures: { what: string; answer: ScriptedAnswer; kind: string; auth?: Partial<AuthConfig> }[] = [
    { what: 'a 503', answer: { status: 503 }, kind: 'unavailable' },
    { what: 'a 429', answer: { status: 429 }, kind: 'unavailable' },
    { what: 'a timeout', answer: { ...alice(), delayMs: 3000 }, kind: 'unavailable', auth: { timeoutMs: 100 } },
    { what: 'a dropped connection', answer: { hangUp: true }, kind: 'unavailable' },
    { what: 'a contract violation', answer: { status: 200, body: { userId: '' } }, kind: 'violation' },
  ];

  it.each(failures)('after $what, the next request asks again', async ({ answer, kind, auth }) => {
    const server = await serve(answer);
    const h = harness(server, { ...(auth ? { auth } : {}) });
    const token = newToken();
    const first = await h.validate(token);
    expect(first).toMatchObject({ source: 'miss', verdict: { kind: 'failed', failure: { kind } } });
    // A dropped connection is asked twice (the client retries once on a fresh connection).
    const afterFirst = h.calls(token);
    server.answer(alice({ ttl: 60 }));
    const second = await h.validate(token);
    expect(second.source).toBe('miss');
    expectIdentity(second);
    expect(h.calls(token)).toBe(afterFirst + 1);
    expect(h.service.cacheStats()).toMatchObject({ failures: 1, misses: 2, size: 1 });
  });
});

describe('--auth-stale-if-error', () => {
  // Fresh for 60 s, then usable for 30 s more while the service fails.
  const FRESH = 60_000;
  const STALE_END = 90_000;

  const failing: { what: string; fail: (server: IdentityServer) => Promise<void> | void; kind: string }[] = [
    { what: 'answers 503', fail: (server) => server.answer({ status: 503 }), kind: 'unavailable' },
    { what: 'refuses connections', fail: (server) => server.close(), kind: 'unavailable' },
    { what: 'breaks the contract', fail: (server) => server.answer({ status: 200, body: { groups: ['staff'] } }), kind: 'violation' },
  ];

  it.each(failing)('serves the expired identity while the service $what, until the window ends', async ({ fail, kind }) => {
    const server = await serve(alice({ ttl: 60 }));
    const h = harness(server, { cache: { staleIfErrorS: 30 } });
    const token = newToken();
    expect((await h.validate(token)).source).toBe('miss');
    await fail(server);

    h.clock.at(FRESH + 1);
    const early = await h.validate(token);
    expect(early.source).toBe('stale');
    expectIdentity(early);
    h.clock.at(STALE_END - 1);
    const late = await h.validate(token);
    expect(late.source).toBe('stale');
    expectIdentity(late);
    expect(h.service.cacheStats()).toMatchObject({ staleServed: 2, failures: 2 });

    h.clock.at(STALE_END + 1);
    const past = await h.validate(token);
    expect(past).toMatchObject({ source: 'miss', verdict: { kind: 'failed', failure: { kind } } });
    expect(h.service.cacheStats()).toMatchObject({ staleServed: 2, failures: 3 });
  });

  it('does not cover a rejection: a token the service now refuses is refused', async () => {
    const server = await serve(alice({ ttl: 60 }));
    const h = harness(server, { cache: { staleIfErrorS: 30, negativeTtlS: 5 } });
    const token = newToken();
    await h.validate(token);
    server.answer({ status: 401 });
    h.clock.at(FRESH + 1);
    expect(await h.validate(token)).toMatchObject({ source: 'miss', verdict: { kind: 'rejected', status: 401 } });
    // The rejection replaced the identity: a later failure has nothing stale to fall back on.
    server.answer({ status: 503 });
    h.clock.at(FRESH + 10_000);
    expect(await h.validate(token)).toMatchObject({ source: 'miss', verdict: { kind: 'failed' } });
    expect(h.service.cacheStats()).toMatchObject({ staleServed: 0, rejections: 1, failures: 1 });
  });

  it('serves nothing stale when it is 0', async () => {
    const server = await serve(alice({ ttl: 60 }));
    const h = harness(server, { cache: { staleIfErrorS: 0 } });
    const token = newToken();
    await h.validate(token);
    server.answer({ status: 503 });
    h.clock.at(FRESH + 1);
    expect(await h.validate(token)).toMatchObject({ source: 'miss', verdict: { kind: 'failed', failure: { kind: 'unavailable', status: 503 } } });
    expect(h.service.cacheStats().staleServed).toBe(0);
  });

  it('asks on every request while stale, and takes the fresh answer once the service is back', async () => {
    const server = await serve(alice({ ttl: 60 }));
    const h = harness(server, { cache: { staleIfErrorS: 30 } });
    const token = newToken();
    await h.validate(token);
    server.answer({ status: 503 });
    h.clock.at(FRESH + 1);
    expect((await h.validate(token)).source).toBe('stale');
    server.answer({ status: 200, body: { userId: 'alice', groups: ['editors'], ttl: 60 } });
    h.clock.at(FRESH + 2);
    const back = await h.validate(token);
    expect(back.source).toBe('miss');
    expect(back.verdict).toMatchObject({ kind: 'valid', identity: { userId: 'alice', groups: ['editors'] } });
    const kept = await h.validate(token);
    expect(kept.source).toBe('hit');
    expect(kept.verdict).toMatchObject({ kind: 'valid', identity: { groups: ['editors'] } });
    expect(h.calls(token)).toBe(3);
  });

  it('serves the stale identity to every request waiting on the one failing call', async () => {
    const server = await serve(alice({ ttl: 60 }));
    const h = harness(server, { cache: { staleIfErrorS: 30 } });
    const token = newToken();
    await h.validate(token);
    server.answer({ status: 503, delayMs: 50 });
    h.clock.at(FRESH + 1);
    const results = await Promise.all(Array.from({ length: 5 }, () => h.validate(token)));
    expect(sourcesOf(results)).toEqual({ stale: 5 });
    for (const r of results) expectIdentity(r);
    expect(h.calls(token)).toBe(2);
    expect(h.service.cacheStats()).toMatchObject({ staleServed: 5, failures: 1, coalesced: 4 });
  });
});

describe('single flight', () => {
  it('makes exactly one call for 200 concurrent validations of one new token', async () => {
    const server = await serve({ ...alice({ ttl: 60 }), delayMs: 100 });
    const h = harness(server);
    const token = newToken();
    const results = await Promise.all(Array.from({ length: 200 }, () => h.validate(token)));
    expect(server.calls.length).toBe(1);
    expect(sourcesOf(results)).toEqual({ miss: 1, coalesced: 199 });
    for (const r of results) expectIdentity(r);
    expect(h.service.cacheStats()).toMatchObject({ misses: 1, coalesced: 199, hits: 0, size: 1 });
  });

  it('makes one call per distinct token, and no more, when many are validated at once', async () => {
    const server = await serve((call) => ({ status: 200, body: { userId: `user-of-${tokenKey(call.token ?? '').slice(0, 8)}`, ttl: 60 }, delayMs: 50 }));
    const h = harness(server);
    const tokens = Array.from({ length: 25 }, () => newToken());
    const results = await Promise.all(tokens.flatMap((token) => Array.from({ length: 8 }, async () => ({ token, result: await h.validate(token) }))));
    expect(server.calls.length).toBe(25);
    for (const token of tokens) expect(h.calls(token)).toBe(1);
    // Each caller gets the identity of its own token, not one of a neighbour in flight.
    for (const { token, result } of results) expectIdentity(result, `user-of-${tokenKey(token).slice(0, 8)}`);
    expect(sourcesOf(results.map((r) => r.result))).toEqual({ miss: 25, coalesced: 175 });
  });

  it('shares a failure with every waiting request, logs it once, and asks again afterwards', async () => {
    const server = await serve({ status: 503, delayMs: 100 });
    const h = harness(server);
    const token = newToken();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => h.validate(token, `req-${i}`)));
    expect(server.calls.length).toBe(1);
    expect(sourcesOf(results)).toEqual({ miss: 1, coalesced: 49 });
    for (const r of results) expect(r.verdict).toMatchObject({ kind: 'failed', failure: { kind: 'unavailable', status: 503 } });
    expect(h.warnings()).toHaveLength(1);
    expect(h.service.cacheStats()).toMatchObject({ failures: 1, misses: 1, coalesced: 49, size: 0 });

    server.answer(alice());
    expectIdentity(await h.validate(token));
    expect(server.calls.length).toBe(2);
  });
});

describe('--auth-cache-size 0', () => {
  it('asks the service on every validation, even of the same token one after another', async () => {
    const server = await serve(alice({ ttl: 60 }));
    const h = harness(server, { cache: { size: 0 } });
    const token = newToken();
    for (let i = 1; i <= 4; i++) {
      const result = await h.validate(token);
      expect(result.source).toBe('uncached');
      expectIdentity(result);
      expect(h.calls(token)).toBe(i);
    }
    expect(h.service.cacheStats()).toEqual({ enabled: false, capacity: 0, size: 0, hits: 0, misses: 4, coalesced: 0, rejections: 0, failures: 0, staleServed: 0 });
    expect(h.service.clearCache()).toBe(0);
  });

  it('still counts rejections and failures', async () => {
    const server = await serve({ status: 401 });
    const h = harness(server, { cache: { size: 0 } });
    await h.validate(newToken('bad'));
    server.answer({ status: 503 });
    await h.validate(newToken());
    expect(h.service.cacheStats()).toMatchObject({ enabled: false, misses: 2, rejections: 1, failures: 1 });
  });
});

describe('the bound on entries', () => {
  it('keeps at most --auth-cache-size identities and forgets the least recently used', async () => {
    const server = await serve(alice({ ttl: 60 }));
    const h = harness(server, { cache: { size: 3 } });
    const [a, b, c, d, e] = Array.from({ length: 5 }, (_, i) => newToken(`t${i}`)) as [string, string, string, string, string];
    for (const token of [a, b, c]) await h.validate(token);
    // Using `a` again makes `b` the least recently used, then `c`.
    expect((await h.validate(a)).source).toBe('hit');
    await h.validate(d);
    await h.validate(e);
    expect(h.service.cacheStats()).toMatchObject({ size: 3, capacity: 3 });

    expect((await h.validate(a)).source).toBe('hit');
    expect((await h.validate(e)).source).toBe('hit');
    expect((await h.validate(b)).source).toBe('miss');
    expect(h.calls(a)).toBe(1);
    expect(h.calls(b)).toBe(2);
    expect(h.service.cacheStats().size).toBe(3);
  });

  it('keeps rejections apart, in a tenth of the room, so made-up tokens cannot push identities out', async () => {
    // Twenty people, each their own user id (one user's tokens beyond 16 would push out that user's own).
    const server = await serve((call) => (call.token?.startsWith('made-up-') ? { status: 401 } : alice({ userId: call.token?.split('-')[0], ttl: 60 })));
    const h = harness(server, { cache: { size: 20 } });
    const people = Array.from({ length: 20 }, (_, i) => newToken(`person${i}`));
    for (const token of people) await h.validate(token);
    for (let i = 0; i < 50; i++) expect((await h.validate(newToken('made-up'))).verdict.kind).toBe('rejected');
    // 20 identities and the 2 most recent rejections (a tenth of 20).
    expect(h.service.cacheStats().size).toBe(22);
    for (const token of people) expect((await h.validate(token)).source).toBe('hit');
  });

  it('lets a token that was rejected, and is then vouched for, replace its rejection', async () => {
    let accept = false;
    const server = await serve(() => (accept ? alice({ ttl: 60 }) : { status: 401 }));
    const h = harness(server, { cache: { size: 20 } });
    const token = newToken('flip');
    expect((await h.validate(token)).verdict.kind).toBe('rejected');
    accept = true;
    h.clock.at(5_001);
    expectIdentity(await h.validate(token));
    expect((await h.validate(token)).source).toBe('hit');
    expect(h.service.cacheStats().size).toBe(1);
  });
});

describe('clearing the cache', () => {
  it('drops every entry, reports how many, makes the next validation ask again, and keeps the counters', async () => {
    const server = await serve((call) => (call.token?.startsWith('bad-') ? { status: 401 } : alice({ ttl: 60 })));
    const h = harness(server);
    const good = newToken('good');
    const other = newToken('other');
    const bad = newToken('bad');
    for (const token of [good, other, bad]) await h.validate(token);
    expect((await h.validate(good)).source).toBe('hit');
    const before = h.service.cacheStats();
    expect(before).toMatchObject({ size: 3, misses: 3, hits: 1, rejections: 1 });

    expect(h.service.clearCache()).toBe(3);
    expect(h.service.cacheStats()).toEqual({ ...before, size: 0 });
    expect(h.service.clearCache()).toBe(0);

    expect((await h.validate(good)).source).toBe('miss');
    expect((await h.validate(bad)).source).toBe('miss');
    expect(h.calls(good)).toBe(2);
    expect(h.calls(bad)).toBe(2);
    expect(h.service.cacheStats()).toMatchObject({ size: 2, misses: 5, hits: 1, rejections: 2 });
  });

  it('counts only entries that can still serve: expired ones are neither in size nor among the cleared', async () => {
    const server = await serve((call) => (call.token?.startsWith('short-') ? alice({ ttl: 10 }) : alice({ ttl: 60 })));
    const h = harness(server);
    await h.validate(newToken('short'));
    await h.validate(newToken('long'));
    expect(h.service.cacheStats().size).toBe(2);
    h.clock.at(10_001);
    expect(h.service.cacheStats().size).toBe(1);
    expect(h.service.clearCache()).toBe(1);
  });

  it('does not keep the answer to a call that was in flight when it was cleared', async () => {
    const server = await serve({ ...alice({ ttl: 60 }), delayMs: 150 });
    const h = harness(server);
    const token = newToken();
    const inFlight = h.validate(token);
    await untilCalls(server, 1);
    expect(h.service.clearCache()).toBe(0);
    // The caller that was waiting still gets its answer; only keeping it is off.
    expectIdentity(await inFlight);
    expect(h.service.cacheStats().size).toBe(0);

    server.answer(alice({ ttl: 60 }));
    expect((await h.validate(token)).source).toBe('miss');
    expect(h.calls(token)).toBe(2);
  });

  it('makes a validation started after the clear ask anew instead of joining the call made before it', async () => {
    const server = await serve({ ...alice({ ttl: 60 }), delayMs: 150 });
    const h = harness(server);
    const token = newToken();
    const old = h.validate(token);
    await untilCalls(server, 1);
    h.service.clearCache();
    // Revoked at the service: the answer after the clear must come from a call made after it.
    server.answer({ status: 401 });
    const fresh = await h.validate(token);
    expect(fresh).toMatchObject({ source: 'miss', verdict: { kind: 'rejected', status: 401 } });
    expectIdentity(await old);
    expect(h.calls(token)).toBe(2);
    expect(await h.validate(token)).toMatchObject({ source: 'hit', verdict: { kind: 'rejected' } });
  });
});

describe('counters', () => {
  it('count hits, misses, coalesced requests, rejections, failures, stale identities served and size exactly', async () => {
    const server = await serve((call) => {
      const token = call.token ?? '';
      if (token.startsWith('bad-')) return { status: 401 };
      if (token.startsWith('down-')) return { status: 503 };
      if (token.startsWith('slow-')) return { ...alice({ ttl: 60 }), delayMs: 50 };
      return alice({ ttl: 60 });
    });
    const h = harness(server, { cache: { staleIfErrorS: 30, negativeTtlS: 5 } });
    const good = newToken('good');
    const bad = newToken('bad');
    const down = newToken('down');
    const slow = newToken('slow');

    await h.validate(good);
    await h.validate(good);
    await h.validate(good);
    await h.validate(bad);
    await h.validate(bad);
    await h.validate(down);
    await Promise.all(Array.from({ length: 5 }, () => h.validate(slow)));
    expect(h.service.cacheStats()).toEqual({
      enabled: true,
      capacity: 100,
      size: 3, // good, bad, slow; the failure is not kept
      hits: 3,
      misses: 4,
      coalesced: 4,
      rejections: 1,
      failures: 1,
      staleServed: 0,
    });

    server.answer({ status: 503 });
    h.clock.at(60_001);
    expect((await h.validate(good)).source).toBe('stale');
    expect(h.service.cacheStats()).toMatchObject({ hits: 3, misses: 5, coalesced: 4, rejections: 1, failures: 2, staleServed: 1 });
    expect(server.calls.length).toBe(5);
  });
});

describe('keys', () => {
  it('are the base64url SHA-256 of the token, never the token itself', () => {
    for (const token of [newToken(), newToken('ünïcödé-✓'), 'x'.repeat(4096)]) {
      const key = tokenKey(token);
      expect(key).toBe(createHash('sha256').update(token, 'utf8').digest('base64url'));
      expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(key).not.toContain(token);
    }
    expect(tokenKey('a')).not.toBe(tokenKey('b'));
  });
});

describe('connections to the identity service', () => {
  it('are kept alive: 20 calls one after another use one connection (two at most)', async () => {
    const server = await serve(alice({ ttl: 60 }));
    const h = harness(server);
    for (let i = 0; i < 20; i++) expectIdentity(await h.validate(newToken()));
    expect(server.calls.length).toBe(20);
    expect(server.connections()).toBeGreaterThanOrEqual(1);
    expect(server.connections()).toBeLessThanOrEqual(2);
  });
});

describe('logging a failed call', () => {
  it('logs one warning with the request id and the status for an unavailable service', async () => {
    const server = await serve({ status: 503 });
    const h = harness(server);
    await h.validate(newToken(), 'req-503');
    expect(server.calls[0]?.headers['x-request-id']).toBe('req-503');
    expect(h.warnings()).toEqual([
      expect.objectContaining({ requestId: 'req-503', status: 503, msg: 'identity service unavailable: the identity service answered 503', identityService: { protocol: 'formgate' } }),
    ]);
  });

  it('logs a timeout with the time allowed', async () => {
    const server = await serve({ ...alice(), delayMs: 3000 });
    const h = harness(server, { auth: { timeoutMs: 100 } });
    await h.validate(newToken(), 'req-slow');
    const warnings = h.warnings();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ requestId: 'req-slow', msg: 'identity service unavailable: the identity service did not answer within 100 ms' });
  });

  it('logs a contract violation with the message, the status and the shape of the answer, none of its text', async () => {
    const server = await serve();
    const h = harness(server);
    const token = newToken();
    server.answer({ status: 200, body: { userId: '', echoed: `you sent ${token}`, access_token: 'at-secret-value', client_secret: 'cs-secret-value' } });
    const result = await h.validate(token, 'req-violation');
    expect(result.verdict).toMatchObject({ kind: 'failed', failure: { kind: 'violation' } });
    const warnings = h.warnings();
    expect(warnings).toHaveLength(1);
    const [line] = warnings;
    expect(line).toMatchObject({
      requestId: 'req-violation',
      status: 200,
      msg: "The identity service didn't respond as expected at .userId: expected a non-empty string",
    });
    expect(line?.answer).toMatchObject({ contentType: 'application/json', json: 'object', members: ['userId'], otherMembers: 3 });
    for (const value of [token, 'you sent', 'at-secret-value', 'cs-secret-value']) expect(JSON.stringify(line)).not.toContain(value);
  });

  it('logs exactly one line for 50 requests coalesced on one failing call', async () => {
    const server = await serve({ status: 200, body: 'not json', delayMs: 100 });
    const h = harness(server);
    const token = newToken();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => h.validate(token, `req-${i}`)));
    for (const r of results) expect(r.verdict).toMatchObject({ kind: 'failed', failure: { kind: 'violation' } });
    expect(server.calls.length).toBe(1);
    expect(h.logs).toHaveLength(1);
    expect(h.logs[0]).toMatchObject({ level: 'warn', requestId: 'req-0' });
    expect(String(h.logs[0]?.msg)).toMatch(/^The identity service didn't respond as expected at the top level/);
  });

  it('logs nothing for identities answered or served from the cache', async () => {
    const server = await serve(alice({ ttl: 60 }));
    const h = harness(server);
    const token = newToken();
    await h.validate(token, 'req-a');
    await h.validate(token, 'req-b');
    expect(h.logs).toEqual([]);
  });
});
