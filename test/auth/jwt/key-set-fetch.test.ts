import { exportJWK } from 'jose';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createKeySet } from '../../../src/auth/jwt/key-set.ts';
import { cleanUp, eventually, harness } from './key-set-harness.ts';

/**
 * Each fetch of the key set is bounded like every identity-service call: one deadline for headers and
 * body, a size cap, no redirect followed; and a body that is not a usable key set is a failed fetch that
 * keeps the keys held. Against a real key-set server on 127.0.0.1.
 */

afterEach(cleanUp);

/** A generous "not stuck" bound for a fetch given 300 ms: far above it, far below the server's delay. */
const NOT_STUCK_MS = 2500;

describe('a slow provider', () => {
  it.each([
    ['answers after the deadline', { delayMs: 5000 }],
    ['sends headers at once, then stalls the body', { stallBodyMs: 5000 }],
  ])('%s: the fetch fails within its bound', async (_, answer) => {
    const h = await harness({ start: false, keySet: { timeoutMs: 300 } });
    h.server.answerJwks(answer);
    const began = Date.now();
    await h.keySet.start();
    expect(Date.now() - began).toBeLessThan(NOT_STUCK_MS);
    expect(h.keySet.state()).toMatchObject({ keys: 0, fetchFailures: 1, lastError: 'no whole answer within 300 ms (--auth-timeout)' });
    expect(h.keySet.keys()).toMatchObject({ ok: false });
  });
});

describe('a body that is not a usable key set fails the fetch and keeps the keys held', () => {
  const padding = 'x'.repeat(300 * 1024);
  it.each([
    ['oversized, with Content-Length', { body: { keys: [], padding } }, 'a body larger than 256 KiB'],
    ['oversized, chunked', { body: { keys: [], padding }, chunked: true }, 'a body larger than 256 KiB'],
    ['not JSON', { body: '{"keys": [' }, 'a body that is not JSON'],
    ['without a keys array', { body: { key: [] } }, 'a body without a "keys" array'],
    ['an empty key set', { body: { keys: [] } }, 'an empty key set'],
    ['too many keys', { body: { keys: Array.from({ length: 101 }, () => ({ kty: 'RSA' })) } }, '101 keys, more than the 100 a key set may hold'],
    ['a 503', { status: 503, body: { error: 'down' } }, 'answered 503'],
    ['a 404', { status: 404 }, 'answered 404'],
  ])('%s', async (_, answer, reason) => {
    const h = await harness({ keySet: { cooldownS: 0 } });
    const token = await h.token();
    const kids = h.keySet.state().kids;
    h.server.answerJwks(answer);
    await h.keySet.refetchForUnknownKid('another');
    expect(h.keySet.state()).toMatchObject({ kids, keys: 1, fetchFailures: 1, lastError: reason });
    expect(await h.check(token)).toMatchObject({ ok: true });
    expect(h.problems()).toEqual([expect.objectContaining({ level: 'warn', url: h.server.jwksUrl, reason })]);
  });

  it('a redirect is not followed: the failure names it', async () => {
    const h = await harness({ start: false });
    h.server.answerJwks({ status: 302, headers: { location: `${h.server.origin}/elsewhere` } });
    await h.keySet.start();
    expect(h.keySet.state().lastError).toBe('answered 302, a redirect, which is not followed: configure the URL its Location names');
    expect(h.server.requests.map((r) => r.path)).toEqual(['/jwks']);
  });
});

describe('keys that cannot check a signature', () => {
  const unusable = [
    { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA', kid: 'broken-point' },
    { kty: 'RSA', use: 'enc', n: 'AQAB', e: 'AQAB', kid: 'for-encryption' },
    { kty: 'oct', k: 'c2VjcmV0', kid: 'symmetric' },
    { kty: 'RSA', alg: 'RSA-OAEP', kid: 'wrong-alg' },
    'not a key',
  ];

  it('are skipped with one warning; the usable ones are kept', async () => {
    const h = await harness({ start: false, keySet: { cooldownS: 0 } });
    const good = h.server.keys()[0]!.publicJwk;
    h.server.answerJwks({ body: { keys: [...unusable, good] } });
    await h.keySet.start();
    const state = h.keySet.state();
    expect(state).toMatchObject({ keys: 1, kids: [good.kid], fetchFailures: 0 });
    expect(state.skippedKeys.map((k) => k.kid)).toEqual(['broken-point', 'for-encryption', 'symmetric', 'wrong-alg', undefined]);
    expect(state.skippedKeys[0]!.reason).toMatch(/^jose cannot import it/);
    expect(state.skippedKeys[1]!.reason).toBe('"use" is "enc", not "sig"');
    expect(await h.check(await h.token())).toMatchObject({ ok: true });
    // The same set again: no second warning.
    await h.keySet.refetchForUnknownKid('x');
    expect(h.server.jwksFetches()).toBe(2);
    expect(h.problems()).toEqual([expect.objectContaining({ msg: 'jwt key set: keys skipped, they cannot check a signature', count: 5 })]);
  });

  it('a set of only such keys is a failed fetch', async () => {
    const h = await harness({ keySet: { cooldownS: 0 } });
    h.server.answerJwks({ body: { keys: unusable } });
    await h.keySet.refetchForUnknownKid('x');
    expect(h.keySet.state()).toMatchObject({ keys: 1, fetchFailures: 1, lastError: 'none of its 5 keys can check a signature' });
  });

  it('a private key published by mistake is not used', async () => {
    const h = await harness({ start: false });
    const key = h.server.keys()[0]!;
    h.server.answerJwks({ body: { keys: [{ ...(await exportJWK(key.privateKey)), kid: key.kid, alg: key.alg }] } });
    await h.keySet.start();
    expect(h.keySet.state().skippedKeys).toEqual([{ kid: key.kid, reason: 'a private key (the provider should not publish it)' }]);
    expect(h.keySet.keys().ok).toBe(false);
  });
});

describe('discovery', () => {
  it("finds jwks_uri under the issuer's path, once for the process", async () => {
    const h = await harness({ discovery: true, server: { issuerPath: '/realms/test' }, keySet: { cooldownS: 0 } });
    expect(h.keySet.state()).toMatchObject({ keys: 1, jwksUrl: h.server.jwksUrl });
    expect(await h.check(await h.token())).toMatchObject({ ok: true });
    await h.keySet.refetchForUnknownKid('x');
    expect([h.server.discoveryFetches(), h.server.jwksFetches()]).toEqual([1, 2]);
  });

  it('an issuer with a trailing slash (Auth0) is looked up without it and compared with it', async () => {
    const h = await harness({ start: false, discovery: true });
    h.server.setDiscoveryIssuer(`${h.server.issuer}/`);
    const slashed = createKeySet({ issuer: `${h.server.issuer}/`, timeoutMs: 1000, staleS: 60, cooldownS: 30, logger: pino({ level: 'silent' }) });
    await slashed.start();
    slashed.stop();
    expect(slashed.state()).toMatchObject({ keys: 1, jwksUrl: h.server.jwksUrl });
    expect(h.server.requests[0]!.path).toBe('/.well-known/openid-configuration');
  });

  it('a document naming another issuer is refused (OIDC Discovery §4.3), and its key set never fetched', async () => {
    const h = await harness({ start: false, discovery: true });
    h.server.setDiscoveryIssuer('https://impostor.example');
    await h.keySet.start();
    const keys = h.keySet.keys();
    expect(keys.ok).toBe(false);
    if (!keys.ok) expect(keys.reason).toMatch(/names "https:\/\/impostor\.example", not the configured issuer .*§4\.3/);
    expect(h.server.jwksFetches()).toBe(0);
  });

  it('a discovery document that cannot be fetched is retried until it is', async () => {
    const h = await harness({ start: false, discovery: true });
    h.server.answerDiscovery({ status: 503 });
    await h.keySet.start();
    expect(h.keySet.state().lastError).toBe('its discovery document: answered 503');
    h.server.answerDiscovery(undefined);
    await eventually(() => h.keySet.keys().ok, 'keys once discovery answers');
    expect(h.server.discoveryFetches()).toBeGreaterThanOrEqual(2);
  });
});
