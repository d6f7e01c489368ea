import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ASYMMETRIC_ALGORITHMS } from '../../../src/auth/jwt/algorithms.ts';
import { discoverJwksUrl } from '../../../src/auth/jwt/discovery.ts';
import { verifyJwt, type VerifySettings } from '../../../src/auth/jwt/verify.ts';
import { cleanUp, harness } from './key-set-harness.ts';

/** Faults found in review (issue 15), each reproduced against real servers on 127.0.0.1. */

afterEach(cleanUp);

const nowS = () => Math.floor(Date.now() / 1000);

describe('a token naming a kid the key set lacks while the provider cannot be reached', () => {
  it('gets 503 with Retry-After, not 401: its key may be the rotated one the failed fetch would have brought', async () => {
    const h = await harness({ keySet: { cooldownS: 0 } });
    const settings: VerifySettings = {
      issuer: h.server.issuer,
      audiences: ['formgate'],
      algorithms: [...ASYMMETRIC_ALGORITHMS],
      clockToleranceS: 30,
      maxTokenLifetimeS: 3600,
      groupsClaim: 'groups',
    };
    const rotated = await h.server.rotate();
    const token = await h.server.sign({ iss: h.server.issuer, aud: 'formgate', sub: 'alice', iat: nowS(), exp: nowS() + 600 }, { key: rotated });
    h.server.answerJwks({ status: 503 });
    const v = await verifyJwt(token, h.keySet, settings);
    expect(v.verdict).toMatchObject({ kind: 'failed', failure: { kind: 'unavailable' } });
    expect(v.verdict.kind === 'failed' && v.verdict.failure.kind === 'unavailable' && v.verdict.failure.retryAfterS).toBeGreaterThanOrEqual(1);
    // Once the provider answers again, the same token is accepted.
    h.server.answerJwks(undefined);
    expect((await verifyJwt(token, h.keySet, settings)).verdict.kind).toBe('valid');
  });

  it('a kid unknown to a key set fetched just now is still 401', async () => {
    const h = await harness({ keySet: { cooldownS: 0 } });
    const settings: VerifySettings = {
      issuer: h.server.issuer, audiences: ['formgate'], algorithms: [...ASYMMETRIC_ALGORITHMS], clockToleranceS: 30, maxTokenLifetimeS: 3600, groupsClaim: 'groups',
    };
    const token = await h.server.sign({ iss: h.server.issuer, aud: 'formgate', sub: 'alice', exp: nowS() + 600 }, { kid: 'nobody-published-this' });
    const v = await verifyJwt(token, h.keySet, settings);
    expect(v.verdict).toEqual({ kind: 'rejected', status: 401 });
    expect(v.rejection?.code).toBe('unknown-kid');
  });
});

describe("a discovery document's jwks_uri", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function issuerServing(jwksUri: string): Promise<string> {
    server = createServer((req, res) => {
      const issuer = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ issuer, jwks_uri: jwksUri }));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('in plain http to another machine is refused, as --auth-jwks-url would be (keys fetched in clear can be swapped)', async () => {
    const issuer = await issuerServing('http://keys.example.org/jwks');
    const found = await discoverJwksUrl(issuer, { timeoutMs: 2000 });
    expect(found.ok).toBe(false);
    expect(!found.ok && found.reason).toMatch(/https/);
  });

  it('with credentials in it is refused', async () => {
    const issuer = await issuerServing('https://user:pw@keys.example.org/jwks');
    const found = await discoverJwksUrl(issuer, { timeoutMs: 2000 });
    expect(found.ok).toBe(false);
    expect(!found.ok && found.reason).not.toContain('pw');
  });

  it('in https, or http on a loopback address, is used', async () => {
    for (const uri of ['https://keys.example.org/jwks', 'http://127.0.0.1:9/jwks', 'http://localhost:9/jwks']) {
      const issuer = await issuerServing(uri);
      expect(await discoverJwksUrl(issuer, { timeoutMs: 2000 })).toEqual({ ok: true, jwksUrl: uri });
      await new Promise<void>((resolve) => server!.close(() => resolve()));
      server = undefined;
    }
  });
});
