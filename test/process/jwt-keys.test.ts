import { UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractsOnlyHost } from '../../src/host.ts';
import { startKeySetServer, type KeySetServer } from '../support/key-set-server.ts';
import { delay, eventually, fetchWithin, killAll, startServe, type ServerProcess } from '../support/process.ts';

/**
 * `formgate serve --auth-protocol jwt` with a provider that is down when it starts: no exit, a warning,
 * 503 with Retry-After (never 401) until the keys arrive in the background; then the token matrix
 * through a protected route.
 */

let provider: KeySetServer;
let serve: ServerProcess;
const nowS = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({ iss: provider.issuer, aud: 'formgate', sub: 'alice', iat: nowS(), exp: nowS() + 300, groups: ['staff'], ...extra });
const me = (bearer: string) => fetchWithin(`${serve.url}/api/v1/me`, { headers: { authorization: `Bearer ${bearer}` } });

beforeAll(async () => {
  provider = await startKeySetServer({ issuerPath: '/realms/main', alg: 'ES256' });
  await provider.down();
  serve = await startServe([
    '--port', '0', '--database-url', 'memory://', '--forms', 'examples/forms.yaml',
    '--auth-protocol', 'jwt', '--auth-issuer', provider.issuer, '--auth-audience', 'formgate',
    '--auth-timeout', '500', '--auth-cache-size', '0',
  ]);
}, 60_000);

afterAll(async () => {
  await killAll();
  await provider?.close();
});

describe.sequential('serve --auth-protocol jwt with a provider down at startup', { timeout: 60_000 }, () => {
  it('starts anyway, warning that the key set could not be fetched', () => {
    const warning = serve.logs.find((l) => l.level === 'warn' && JSON.stringify(l).includes(provider.origin));
    expect(warning, JSON.stringify(serve.logs)).toBeDefined();
  });

  it('answers a good token 503 with Retry-After while no keys are known, never 401; /health fails on jwks:age', async () => {
    const token = await provider.sign(claims());
    const res = await me(token);
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await res.json()) as { detail: string }).detail).toContain("the identity provider's signing keys could not be fetched");
    const health = await fetchWithin(`${serve.url}/health`);
    expect(health.status).toBe(503);
    const body = (await health.json()) as { checks: Record<string, { status: string }[]> };
    expect(body.checks['jwks:age']?.[0]?.status).toBe('fail');
  });

  it('gets the keys in the background once the provider is back, with no request asking for them', async () => {
    await provider.up();
    const fetchesBefore = provider.jwksFetches();
    await eventually(() => (provider.jwksFetches() > fetchesBefore ? true : undefined), 30_000, 'a background fetch of the key set');
    const token = await provider.sign(claims());
    // The fetch seen may still be in flight: a few bounded tries.
    let status = 0;
    for (let i = 0; i < 20 && status !== 200; i++) {
      if (i > 0) await delay(250);
      status = (await me(token)).status;
    }
    expect(status).toBe(200);
  });

  it.each([
    ['expired', () => provider.sign(claims({ iat: nowS() - 900, exp: nowS() - 120 }))],
    ['not yet valid', () => provider.sign(claims({ nbf: nowS() + 120 }))],
    ['for another audience', () => provider.sign(claims({ aud: 'billing' }))],
    ['from another issuer', () => provider.sign(claims({ iss: provider.origin }))],
    ['alg none', async () => new UnsecuredJWT(claims()).encode()],
    ['without exp', () => provider.sign(claims({ exp: undefined }))],
    ['living beyond --auth-max-token-lifetime', () => provider.sign(claims({ exp: nowS() + 2 * 86_400 }))],
    ['with a kid naming another key', async () => provider.sign(claims(), { key: provider.keys()[0], kid: (await provider.addKey()).kid })],
  ])('a token %s: 401', async (_, make) => {
    const res = await me(await make());
    expect(res.status).toBe(401);
  });

  it('a machine client (client_id, no sub) with scp: its identity', async () => {
    const res = await me(await provider.sign(claims({ sub: undefined, client_id: 'nightly-export', scp: ['forms.read'], groups: undefined })));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { caller: unknown }).caller).toMatchObject({ kind: 'client', userId: 'nightly-export', scopes: ['forms.read'], groups: [] });
  });

  it('shows the key set in the admin figures, as the OpenAPI document describes them', async () => {
    const res = await fetchWithin(`${serve.url}/api/v1/admin/auth-cache`, { headers: { authorization: `Bearer ${await provider.sign(claims({ groups: ['admin'] }))}` } });
    expect(res.status).toBe(200);
    const figures = (await res.json()) as { protocol: string; keySet: Record<string, unknown> };
    expect(figures.protocol).toBe('jwt');
    expect(figures.keySet).toMatchObject({ stale: false });
    expect(figures.keySet.keys).toBe(provider.keys().length);
    expect(figures.keySet.fetchFailures).toBeGreaterThanOrEqual(1);
    expect(figures.keySet.ageS).toBeGreaterThanOrEqual(0);
    const document = contractsOnlyHost().getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'x', version: '1' } }) as { components: { schemas: Record<string, { properties: Record<string, unknown> }> } };
    expect(Object.keys(document.components.schemas.KeySetStats!.properties).sort()).toEqual(Object.keys(figures.keySet).sort());
  });

  it('logged the wrong audience as a warning naming both audiences, and no token', () => {
    const line = serve.logs.find((l) => typeof l.msg === 'string' && l.msg.includes('aud was "billing"'));
    expect(line?.msg).toContain('expected "formgate" (--auth-audience)');
    expect(serve.stdout()).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}/);
  });
});
