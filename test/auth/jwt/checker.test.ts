import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASYMMETRIC_ALGORITHMS } from '../../../src/auth/jwt/algorithms.ts';
import { jwtChecker, type JwtAuth } from '../../../src/auth/jwt/checker.ts';
import { eventually } from '../../support/process.ts';
import { startKeySetServer, type KeySetServer } from '../../support/key-set-server.ts';
import { manualKeySet, type ManualKeySet } from './local-key-set.ts';

/** The jwt checker: verdicts, and the log lines it writes about them (never with the token). */

let server: KeySetServer;
let keys: ManualKeySet;
const nowS = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  server = await startKeySetServer();
  keys = manualKeySet(server);
});
afterAll(() => server.close());

function auth(issuer: string): JwtAuth {
  return {
    protocol: 'jwt',
    healthUrl: null,
    timeoutMs: 2000,
    maxCalls: 32,
    cache: { size: 100, maxTtlS: 300, defaultTtlS: 60, negativeTtlS: 5, staleIfErrorS: 0 },
    groupsClaim: 'groups',
    jwt: { issuer, audiences: ['formgate'], algorithms: [...ASYMMETRIC_ALGORITHMS], clockToleranceS: 30, keySetStaleS: 60, keySetCooldownS: 30, maxTokenLifetimeS: 3600 },
  };
}

interface Captured {
  logger: Logger;
  lines: Record<string, unknown>[];
  text(): string;
}

function capture(): Captured {
  const raw: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void raw.push(s) });
  return { logger, get lines() { return raw.map((s) => JSON.parse(s) as Record<string, unknown>); }, text: () => raw.join('') };
}

const claims = (extra: Record<string, unknown> = {}) => ({ iss: server.issuer, aud: 'formgate', sub: 'alice', iat: nowS(), exp: nowS() + 600, ...extra });

describe('jwtChecker', () => {
  it('checks a good token with no call, and reports the key set in its stats and /health', async () => {
    await keys.load();
    const log = capture();
    const checker = jwtChecker(auth(server.issuer), { logger: log.logger, keySet: keys });
    const before = server.jwksFetches();
    const verdict = await checker.check(await server.sign(claims({ groups: ['staff'] })), {});
    expect(verdict).toMatchObject({ kind: 'valid', identity: { userId: 'alice', groups: ['staff'] } });
    expect(server.jwksFetches()).toBe(before);
    expect(checker.protocol).toBe('jwt');
    expect(checker.stats()).toEqual({ maxCalls: 0, callsInFlight: 0, callsWaiting: 0, refused: 0, keySet: { ageS: null, keys: 1, fetches: 0, fetchFailures: 0, stale: false } });
    expect(checker.healthChecks(true).map((c) => [c.name, c.critical])).toEqual([['jwks:age', true]]);
    expect(log.lines).toEqual([]);
  });

  it('an expired token: a debug line naming why, without the token', async () => {
    await keys.load();
    const log = capture();
    const checker = jwtChecker(auth(server.issuer), { logger: log.logger, keySet: keys });
    const token = await server.sign(claims({ iat: nowS() - 900, exp: nowS() - 300 }));
    expect(await checker.check(token, { requestId: 'req-1' })).toEqual({ kind: 'rejected', status: 401 });
    expect(log.lines).toEqual([expect.objectContaining({ level: 20, requestId: 'req-1', reason: 'expired', msg: expect.stringMatching(/^token refused \(401\): expired 5 min( \d+ s)? ago, at \d{4}-/) })]);
    expect(log.text()).not.toContain(token);
    expect(log.text()).not.toContain(token.split('.')[2]);
  });

  it('a flood of tokens for another audience: one warning at once, then one a second with the count', async () => {
    await keys.load();
    const log = capture();
    const checker = jwtChecker(auth(server.issuer), { logger: log.logger, keySet: keys });
    const token = await server.sign(claims({ aud: 'someone-else' }));
    for (let i = 0; i < 50; i++) expect(await checker.check(token, {})).toEqual({ kind: 'rejected', status: 401 });
    const warnings = () => log.lines.filter((l) => l.level === 40);
    expect(warnings()).toEqual([expect.objectContaining({ refused: 1, reason: 'audience', msg: expect.stringContaining('aud was "someone-else", expected "formgate" (--auth-audience)') })]);
    await eventually(() => (warnings().length === 2 ? true : undefined), 5000, 'the summary line');
    expect(warnings()[1]).toMatchObject({ refused: 49, reason: 'audience' });
    expect(log.text()).not.toContain(token);
  });

  it('no keys: 503 with Retry-After, and a warning naming why there are none', async () => {
    const log = capture();
    const lost = manualKeySet(server);
    lost.lose('the key set could not be fetched from http://127.0.0.1:1/jwks: connection refused', 4);
    const checker = jwtChecker(auth(server.issuer), { logger: log.logger, keySet: lost });
    const verdict = await checker.check(await server.sign(claims()), {});
    expect(verdict).toEqual({ kind: 'failed', failure: { kind: 'unavailable', reason: "the identity provider's signing keys could not be fetched", retryAfterS: 4 } });
    expect(log.lines).toEqual([expect.objectContaining({ level: 40, reason: 'no-keys', msg: expect.stringContaining('no signing keys to check them with: the key set could not be fetched from http://127.0.0.1:1/jwks') })]);
  });

  it('claims breaking the contract: 502 and a warning naming the claim', async () => {
    await keys.load();
    const log = capture();
    const checker = jwtChecker(auth(server.issuer), { logger: log.logger, keySet: keys });
    const verdict = await checker.check(await server.sign(claims({ sub: '' })), {});
    expect(verdict).toMatchObject({ kind: 'failed', failure: { kind: 'violation' } });
    expect(log.lines).toEqual([expect.objectContaining({ level: 40, reason: 'violation', msg: expect.stringContaining('at .sub: expected a non-empty string') })]);
  });

  it("with the key set the flags describe: discovery, the first fetch at start, a rotated key fetched for its unknown kid", async () => {
    const log = capture();
    const checker = jwtChecker(auth(server.issuer), { logger: log.logger });
    try {
      await checker.start();
      const first = checker.stats();
      expect(first.keySet).toMatchObject({ keys: server.keys().length, fetches: 1, fetchFailures: 0, stale: false, ageS: 0 });
      expect((await checker.check(await server.sign(claims()), {})).kind).toBe('valid');
      const rotated = await server.rotate();
      const before = server.jwksFetches();
      expect(await checker.check(await server.sign(claims(), { key: rotated }), {})).toMatchObject({ kind: 'valid', identity: { userId: 'alice' } });
      expect(server.jwksFetches()).toBe(before + 1);
      expect(server.discoveryFetches()).toBe(1);
      const outcome = await checker.healthChecks(true)[0]!.run();
      expect(outcome).toMatchObject({ status: 'pass', observedUnit: 's' });
    } finally {
      checker.stop();
    }
  });
});
