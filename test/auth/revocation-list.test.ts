import { describe, expect, it } from 'vitest';
import { createIdentityCache } from '../../src/auth/cache.ts';
import type { Identity, Verdict } from '../../src/auth/identity.ts';
import { createRevocationList } from '../../src/auth/revocation-list.ts';

/**
 * The revocation list (what a jwt replica keeps refusing) and the cache's targeted drops, with the clock
 * moved by hand. Both are plain in-memory structures: no service is needed to see their rules.
 */

const START = 1_800_000_000_000; // a whole second
const KEY_A = 'A'.repeat(43);
const KEY_B = 'B'.repeat(43);

function clock() {
  let current = START;
  return { now: () => current, at: (ms: number) => void (current = START + ms) };
}

const person = (userId: string, issuedAtS?: number): Identity => ({
  kind: 'person',
  userId,
  groups: [],
  scopes: [],
  ...(issuedAtS === undefined ? {} : { issuedAtS }),
});

describe('the revocation list', () => {
  it('refuses a revoked user’s tokens issued up to the revocation, rounded up to the second, and those without iat', () => {
    const c = clock();
    const list = createRevocationList(c.now);
    // Revoked at START + 400 ms: the second it falls in counts as before the revocation.
    list.revokeUser('alice', START + 400, START + 3_600_000);
    const revokedS = START / 1000;
    expect(list.refuses(KEY_A, person('alice', revokedS - 10))).toBe(true);
    expect(list.refuses(KEY_A, person('alice', revokedS))).toBe(true);
    expect(list.refuses(KEY_A, person('alice', revokedS + 1))).toBe(true);
    expect(list.refuses(KEY_A, person('alice', revokedS + 2))).toBe(false);
    expect(list.refuses(KEY_A, person('alice'))).toBe(true);
    // Another user is untouched, whatever the token.
    expect(list.refuses(KEY_A, person('bob', revokedS - 10))).toBe(false);
    expect(list.refuses(KEY_A, person('bob'))).toBe(false);
    expect(list.size).toBe(1);
  });

  it('refuses a revoked token by its key only, until its time, then forgets it', () => {
    const c = clock();
    const list = createRevocationList(c.now);
    list.revokeToken(KEY_A, START + 60_000);
    expect(list.refuses(KEY_A, person('alice'))).toBe(true);
    expect(list.refuses(KEY_B, person('alice'))).toBe(false);
    c.at(59_999);
    expect(list.refuses(KEY_A, person('alice'))).toBe(true);
    c.at(60_000);
    expect(list.refuses(KEY_A, person('alice'))).toBe(false);
    expect(list.size).toBe(0);
  });

  it('drops an expired user revocation, and ignores one that has expired already', () => {
    const c = clock();
    const list = createRevocationList(c.now);
    list.revokeUser('alice', START, START + 1_000);
    list.revokeUser('bob', START - 5_000, START);
    list.revokeToken(KEY_B, START - 1);
    expect(list.size).toBe(1);
    expect(list.refuses(KEY_A, person('bob'))).toBe(false);
    c.at(1_000);
    expect(list.refuses(KEY_A, person('alice'))).toBe(false);
    expect(list.size).toBe(0);
  });

  it('only widens: the same revocation told twice, or late, keeps the later time of each bound', () => {
    const c = clock();
    const list = createRevocationList(c.now);
    list.revokeUser('alice', START + 10_000, START + 60_000);
    // An older notification arriving after a newer one must not shorten either bound.
    list.revokeUser('alice', START, START + 30_000);
    expect(list.refuses(KEY_A, person('alice', START / 1000 + 10))).toBe(true);
    c.at(45_000);
    expect(list.refuses(KEY_A, person('alice', START / 1000 + 10))).toBe(true);
    list.revokeToken(KEY_A, START + 90_000);
    list.revokeToken(KEY_A, START + 50_000);
    c.at(80_000);
    expect(list.refuses(KEY_A, person('bob'))).toBe(true);
    expect(list.size).toBe(1);
  });
});

describe('the cache’s targeted drops', () => {
  const config = { size: 100, maxTtlS: 300, defaultTtlS: 60, negativeTtlS: 30, staleIfErrorS: 0 };
  const valid = (userId: string): Verdict => ({ kind: 'valid', identity: person(userId), freshness: { noStore: false } });

  /** A cache and a count of the asks per key: an ask is what would be a call to the identity service. */
  function harness() {
    const c = clock();
    const cache = createIdentityCache({ ...config, now: c.now });
    const asked = new Map<string, number>();
    const validate = (key: string, verdict: Verdict) =>
      cache.validate(key, async () => {
        asked.set(key, (asked.get(key) ?? 0) + 1);
        return verdict;
      });
    return { cache, asked: (key: string) => asked.get(key) ?? 0, validate };
  }

  it('dropUser drops every identity of that user and nobody else’s', async () => {
    const h = harness();
    const keys = ['a1', 'a2', 'a3'];
    for (const key of keys) await h.validate(key, valid('alice'));
    await h.validate('b1', valid('bob'));
    expect(h.cache.dropUser('alice')).toBe(3);
    expect(h.cache.dropUser('alice')).toBe(0);
    for (const key of keys) expect((await h.validate(key, valid('alice'))).source).toBe('miss');
    expect((await h.validate('b1', valid('bob'))).source).toBe('hit');
    expect(h.asked('b1')).toBe(1);
    expect(h.cache.dropUser('nobody')).toBe(0);
  });

  it('dropKey drops one answer, a kept rejection included', async () => {
    const h = harness();
    await h.validate('a1', valid('alice'));
    await h.validate('a2', valid('alice'));
    await h.validate('bad', { kind: 'rejected', status: 401 });
    expect((await h.validate('bad', valid('alice'))).verdict.kind).toBe('rejected');
    expect(h.cache.dropKey('bad')).toBe(1);
    expect(h.cache.dropKey('a1')).toBe(1);
    expect(h.cache.dropKey('a1')).toBe(0);
    expect((await h.validate('bad', valid('alice'))).source).toBe('miss');
    expect((await h.validate('a1', valid('alice'))).source).toBe('miss');
    expect((await h.validate('a2', valid('alice'))).source).toBe('hit');
  });

  it('a rejection is not an identity: dropUser leaves kept rejections alone', async () => {
    const h = harness();
    await h.validate('bad', { kind: 'rejected', status: 401 });
    expect(h.cache.dropUser('alice')).toBe(0);
    expect((await h.validate('bad', valid('alice'))).source).toBe('hit');
  });

  it.each([
    ['dropUser', (cache: ReturnType<typeof createIdentityCache>) => cache.dropUser('alice')],
    ['dropKey', (cache: ReturnType<typeof createIdentityCache>) => cache.dropKey('a1')],
    ['clear', (cache: ReturnType<typeof createIdentityCache>) => cache.clear()],
  ])('%s: an answer in flight during the drop is used once, never kept', async (_name, drop) => {
    const h = harness();
    let answer!: (verdict: Verdict) => void;
    const pending = h.cache.validate('a1', () => new Promise<Verdict>((resolve) => (answer = resolve)));
    drop(h.cache);
    answer(valid('alice'));
    expect((await pending).verdict.kind).toBe('valid');
    // Had it refilled the cache, this would be a hit.
    expect((await h.validate('a1', valid('alice'))).source).toBe('miss');
    expect(h.asked('a1')).toBe(1);
  });

  it('the index follows evictions: a user whose entries were evicted has nothing left to drop', async () => {
    const c = clock();
    const cache = createIdentityCache({ ...config, size: 2, now: c.now });
    for (const key of ['a1', 'b1', 'b2']) await cache.validate(key, async () => valid(key.startsWith('a') ? 'alice' : 'bob'));
    expect(cache.dropUser('alice')).toBe(0);
    expect(cache.dropUser('bob')).toBe(2);
    expect(cache.stats().size).toBe(0);
  });
});
