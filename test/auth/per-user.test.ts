import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuthCacheConfig } from '../../src/auth/settings.ts';
import { createIdentityClient, type IdentityClient } from '../../src/auth/identity-client.ts';
import { IDENTITIES_PER_USER } from '../../src/auth/shelves.ts';
import { createLogger } from '../../src/logger.ts';
import { authConfig } from '../support/app.ts';
import { startIdentityServer, type IdentityServer } from '../support/identity-server.ts';

/**
 * The bound on identities one user id may keep in the cache, seen through the identity service: a real
 * server on 127.0.0.1 answers each token with the user id written in it (`<user>.<random>`), and counts
 * the calls per token, so a token pushed out of the cache shows as a second call.
 */

const servers: IdentityServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const tokenOf = (userId: string): string => `${userId}.${randomUUID()}`;

async function setUp(cache: Partial<AuthCacheConfig> = {}) {
  const server = await startIdentityServer((call) => ({ status: 200, body: { userId: call.token?.split('.')[0], ttl: 60 } }));
  servers.push(server);
  const base = authConfig(server.url);
  let clock = Math.floor(Date.now() / 1000) * 1000;
  const service: IdentityClient = createIdentityClient(
    { ...base, url: server.url, cache: { ...base.cache, ...cache } },
    { logger: createLogger('silent'), now: () => clock },
  );
  return {
    service,
    calls: (token: string) => server.calls.filter((c) => c.token === token).length,
    source: async (token: string) => (await service.validate(token)).source,
    later: (ms: number) => void (clock += ms),
  };
}

describe('identities per user id', () => {
  it(`keeps at most ${IDENTITIES_PER_USER} tokens of one user id, pushing out that user's least recently used`, async () => {
    const h = await setUp();
    const minted = Array.from({ length: IDENTITIES_PER_USER + 4 }, () => tokenOf('robot'));
    for (const token of minted.slice(0, IDENTITIES_PER_USER)) await h.source(token);
    // The first token is used again, so the second is now the robot's least recently used.
    expect(await h.source(minted[0]!)).toBe('hit');
    for (const token of minted.slice(IDENTITIES_PER_USER)) await h.source(token);
    expect(h.service.cacheStats().size).toBe(IDENTITIES_PER_USER);

    expect(await h.source(minted[0]!)).toBe('hit');
    for (const token of minted.slice(1, 5)) expect(await h.source(token)).toBe('miss');
    expect(minted.slice(1, 5).map(h.calls)).toEqual([2, 2, 2, 2]);
  });

  it('lets a principal minting tokens push out only its own: every other user stays cached', async () => {
    const h = await setUp({ size: 100 });
    const others = Array.from({ length: 80 }, (_, i) => tokenOf(`user${i}`));
    for (const token of others) await h.source(token);
    for (let i = 0; i < 150; i++) await h.source(tokenOf('service-account'));
    expect(h.service.cacheStats().size).toBe(80 + IDENTITIES_PER_USER);
    for (const token of others) expect(await h.source(token)).toBe('hit');
    expect(others.map(h.calls)).toEqual(others.map(() => 1));
  });

  it('forgets the tokens that left the cache: after they expire, or the cache is emptied, the user has the full room again', async () => {
    const h = await setUp();
    for (const token of Array.from({ length: IDENTITIES_PER_USER }, () => tokenOf('robot'))) await h.source(token);
    h.later(61_000);
    const fresh = Array.from({ length: IDENTITIES_PER_USER }, () => tokenOf('robot'));
    for (const token of fresh) await h.source(token);
    for (const token of fresh) expect(await h.source(token)).toBe('hit');

    h.service.clearCache();
    const afterClear = Array.from({ length: IDENTITIES_PER_USER }, () => tokenOf('robot'));
    for (const token of afterClear) await h.source(token);
    for (const token of afterClear) expect(await h.source(token)).toBe('hit');
  });

  it("counts a token against the user it now names: one that changed hands is not pushed out by its old user's tokens", async () => {
    let holder = 'first';
    const server = await startIdentityServer((call) => ({
      status: 200,
      body: { userId: call.token === shared ? holder : call.token?.split('.')[0], ttl: 60 },
    }));
    servers.push(server);
    const base = authConfig(server.url);
    let clock = Math.floor(Date.now() / 1000) * 1000;
    const service = createIdentityClient({ ...base, url: server.url }, { logger: createLogger('silent'), now: () => clock });
    const shared = tokenOf('shared');
    await service.validate(shared);
    clock += 61_000;
    holder = 'second';
    expect((await service.validate(shared)).verdict).toMatchObject({ identity: { userId: 'second' } });
    for (let i = 0; i < IDENTITIES_PER_USER + 5; i++) await service.validate(tokenOf('first'));
    expect((await service.validate(shared)).source).toBe('hit');
  });
});
