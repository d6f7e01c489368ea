import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanUp, eventually, harness, SHORT, sleep } from './key-set-harness.ts';

/**
 * The key set's life against a real key-set server on 127.0.0.1, in real time with short lifetimes:
 * rotation, unknown kids and their cooldown, a provider down at startup or later (the stale window), and
 * Cache-Control driving the background refresh.
 */

afterEach(cleanUp);

describe('the key set at startup', () => {
  it('fetches once and checks tokens signed by the published key', async () => {
    const h = await harness();
    const token = await h.token();
    expect(await h.check(token)).toMatchObject({ ok: true, payload: { sub: 'alice' } });
    const state = h.keySet.state();
    expect(state).toMatchObject({ keys: 1, kids: [h.server.keys()[0]!.kid], stale: false, fetches: 1, fetchFailures: 0, jwksUrl: h.server.jwksUrl });
    expect(state.fetchedAtMs).toBeTypeOf('number');
    expect(h.server.jwksFetches()).toBe(1);
    expect(h.problems()).toEqual([]);
  });

  it('with the provider down: one warning naming the URL and why, no keys, then keys from a background retry', async () => {
    const h = await harness({ start: false });
    await h.server.down();
    await h.keySet.start();
    const warnings = h.problems();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', url: h.server.jwksUrl, reason: expect.stringMatching(/^not reachable \(connection refused, ECONNREFUSED\)$/) });
    const keys = h.keySet.keys();
    expect(keys).toMatchObject({ ok: false, reason: expect.stringMatching(/^no signing keys: the identity provider's key set could not be fetched \(not reachable/) });
    if (!keys.ok) expect(keys.retryAfterS).toBeGreaterThanOrEqual(1), expect(keys.retryAfterS).toBeLessThanOrEqual(30);
    expect(await h.check(await h.token())).toMatchObject({ ok: false, why: 'no-keys' });
    expect((await h.keySet.healthCheck(true).run()).status).toBe('fail');

    await h.server.up();
    // Nothing asks: the retry scheduled after the failure finds the keys.
    await eventually(() => h.keySet.keys().ok, 'keys after the provider returned');
    expect(h.server.jwksFetches()).toBeGreaterThanOrEqual(1);
    expect(await h.check(await h.token())).toMatchObject({ ok: true });
    expect(h.keySet.state()).toMatchObject({ fetchFailures: expect.any(Number), keys: 1 });
    expect(h.keySet.state().lastError).toBeUndefined();
    expect(h.logs.some((l) => l.level === 'info' && l.msg === 'jwt key set fetched again after failures')).toBe(true);
    expect((await h.keySet.healthCheck(true).run()).status).toBe('pass');
  });
});

describe('rotation and unknown kids', () => {
  it('a new kid is fetched when a token names it; the old key works while both are published, not after', async () => {
    const h = await harness({ keySet: { cooldownS: 0 } });
    const old = await h.token();
    await h.server.addKey();
    const fresh = await h.token();
    expect(h.keySet.state().kids).toHaveLength(1);
    expect(await h.check(fresh)).toMatchObject({ ok: true });
    expect(h.server.jwksFetches()).toBe(2);
    expect(await h.check(old)).toMatchObject({ ok: true });
    expect(h.keySet.state().kids).toHaveLength(2);

    h.server.removeKey(h.server.keys()[0]!.kid);
    await h.server.addKey();
    expect(await h.check(await h.token())).toMatchObject({ ok: true });
    // The fetch for the newest key no longer lists the oldest: its tokens name a kid the set lacks.
    expect(await h.check(old)).toMatchObject({ ok: false, why: 'unknown-kid' });
  });

  it('an unknown kid causes one fetch, then is still unknown; within the cooldown no other', async () => {
    const h = await harness({ keySet: { cooldownS: 30 } });
    const stranger = await h.token({ kid: 'nobody-has-this' });
    expect(await h.check(stranger)).toMatchObject({ ok: false, why: 'unknown-kid' });
    expect(h.server.jwksFetches()).toBe(2);
    expect(await h.check(stranger)).toMatchObject({ ok: false, why: 'unknown-kid' });
    expect(h.server.jwksFetches()).toBe(2);
    // The keys held still check good tokens meanwhile.
    expect(await h.check(await h.token())).toMatchObject({ ok: true });
  });

  it('200 tokens with random kids, at once and one after another, make at most one fetch per cooldown', async () => {
    const h = await harness({ keySet: { cooldownS: 30 } });
    const spray = await Promise.all(Array.from({ length: 200 }, () => h.token({ kid: randomUUID() })));
    const atOnce = await Promise.all(spray.map((t) => h.check(t)));
    expect(atOnce.every((c) => !c.ok && c.why === 'unknown-kid')).toBe(true);
    for (const t of spray) expect(await h.check(t)).toMatchObject({ ok: false, why: 'unknown-kid' });
    expect(h.server.jwksFetches()).toBeLessThanOrEqual(2);
    expect(h.keySet.state().fetches).toBe(h.server.jwksFetches());
  });

  it('concurrent unknown kids share the fetch that runs', async () => {
    const h = await harness({ keySet: { cooldownS: 0 } });
    h.server.answerJwks({ delayMs: 300 });
    await h.server.addKey();
    const fresh = await h.token();
    const results = await Promise.all(Array.from({ length: 20 }, () => h.check(fresh)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(h.server.jwksFetches()).toBe(2);
  });
});

describe('the stale window', () => {
  it('keys are used through it while the provider is down, then not (503, never 401), then again once it returns', async () => {
    const h = await harness({ server: { cacheControl: 'max-age=1' }, keySet: { ...SHORT, staleS: 2 } });
    const token = await h.token();
    expect(h.keySet.state().lifetimeS).toBe(1);
    await h.server.down();
    await eventually(() => h.keySet.state().stale, 'past the lifetime');
    expect(await h.check(token)).toMatchObject({ ok: true });
    expect(await h.keySet.healthCheck(true).run()).toMatchObject({ status: 'warn', observedUnit: 's' });
    expect(h.problems().some((l) => l.msg === 'jwt key set refresh failed: the keys held stay in use')).toBe(true);

    await eventually(() => !h.keySet.keys().ok, 'past the stale window');
    const keys = h.keySet.keys();
    expect(keys).toMatchObject({ ok: false, reason: expect.stringMatching(/^no signing keys: .* past its lifetime and stale window \(1 s \+ 2 s\), and fetching it again fails \(not reachable/) });
    expect(await h.check(token)).toMatchObject({ ok: false, why: 'no-keys' });
    expect(h.keySet.state()).toMatchObject({ stale: false, keys: 1 });
    const health = await h.keySet.healthCheck(true).run();
    expect(health).toMatchObject({ status: 'fail', observedUnit: 's', output: 'the key set is older than its lifetime and stale window' });
    expect(health.observedValue).toBeGreaterThanOrEqual(3);
    await eventually(() => h.problems().some((l) => l.level === 'error'), 'the error line once past the window');
    expect(h.problems().filter((l) => l.level === 'error')).toHaveLength(1);

    await h.server.up();
    await eventually(() => h.keySet.keys().ok, 'keys again after the provider returned');
    expect(await h.check(token)).toMatchObject({ ok: true });
  });
});

describe('the background refresh', () => {
  it('follows Cache-Control max-age; without one, the default lifetime', async () => {
    const [short, plain] = await Promise.all([
      harness({ server: { cacheControl: 'public, max-age=1' }, keySet: { lifetime: { minS: 1, defaultS: 60 } } }),
      harness({ keySet: { lifetime: { minS: 1, defaultS: 60 } } }),
    ]);
    // max-age=1: refreshed at 80 % of each second. Meanwhile the other, with 60 s, is fetched no more.
    await eventually(() => short.server.jwksFetches() >= 3, 'three refreshes of a one-second key set');
    expect(short.keySet.state().lifetimeS).toBe(1);
    expect(plain.server.jwksFetches()).toBe(1);
    expect(plain.keySet.state().lifetimeS).toBe(60);
    expect(plain.keySet.state().nextFetchAtMs).toBeGreaterThan(Date.now() + 30_000);
  });

  it('a new key published is picked up by the refresh with no token asking', async () => {
    const h = await harness({ server: { cacheControl: 'max-age=1' }, keySet: SHORT });
    const added = await h.server.addKey();
    await eventually(() => h.keySet.state().kids.includes(added.kid), 'the new kid held');
  });

  it('stop() ends the refreshes', async () => {
    const h = await harness({ server: { cacheControl: 'max-age=1' }, keySet: SHORT });
    h.keySet.stop();
    const before = h.server.jwksFetches();
    await sleep(2000);
    expect(h.server.jwksFetches()).toBe(before);
    expect(h.keySet.state().nextFetchAtMs).toBeUndefined();
  });
});

describe('/health', () => {
  it('jwks:age passes within the lifetime, showing the age in seconds', async () => {
    const h = await harness();
    const check = h.keySet.healthCheck(false);
    expect(check).toMatchObject({ name: 'jwks:age', critical: false, componentType: 'component' });
    const outcome = await check.run();
    expect(outcome).toMatchObject({ status: 'pass', observedUnit: 's' });
    expect(outcome.observedValue).toBeGreaterThanOrEqual(0);
    expect(outcome.observedValue).toBeLessThan(60);
    // A look at /health makes no fetch.
    for (let i = 0; i < 5; i++) await check.run();
    expect(h.server.jwksFetches()).toBe(1);
  });
});
