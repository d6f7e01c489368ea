import { chmod, copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExample, type ExampleIdp } from '../browser/web/support/example-idp.ts';
import { startKeySetServer, type KeySetServer } from '../support/key-set-server.ts';
import { fetchWithin, killAll, REPO_ROOT, startServe, type ServerProcess } from '../support/process.ts';

/**
 * `formgate serve --auth-protocol jwt` against the real example identity service (EdDSA access tokens,
 * discovery, JWKS): its tokens are checked with no call per token, a token signed with another key is
 * refused, and the keys are kept (and used) after the service stops, with their age in /health.
 */

let dir: string;
let idp: ExampleIdp;
let stranger: KeySetServer;
let serve: ServerProcess;
let token: string;

async function passwordToken(user: string, password: string): Promise<string> {
  const res = await fetchWithin(`${idp.url}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'password', username: user, password }) });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

const me = (bearer?: string) => fetchWithin(`${serve.url}/api/v1/me`, bearer === undefined ? {} : { headers: { authorization: `Bearer ${bearer}` } });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'formgate-jwt-'));
  const usersFile = join(dir, 'users.yaml');
  await copyFile(join(REPO_ROOT, 'auth-service-example', 'users.example.yaml'), usersFile);
  await chmod(usersFile, 0o600);
  [idp, stranger] = await Promise.all([startExample({ usersFile, keyFile: join(dir, 'signing-key.json') }), startKeySetServer({ alg: 'EdDSA' })]);
  serve = await startServe([
    '--port', '0', '--database-url', 'memory://', '--forms', 'examples/forms.yaml',
    '--auth-protocol', 'jwt', '--auth-issuer', idp.url, '--auth-audience', 'formgate',
    // Every request checks its token again, so what is seen is the check and not the cache.
    '--auth-cache-size', '0',
  ]);
  token = await passwordToken('alice', 'alice-password');
}, 120_000);

afterAll(async () => {
  await killAll();
  await Promise.all([idp?.stop(), stranger?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.sequential('serve --auth-protocol jwt with the example identity service', { timeout: 60_000 }, () => {
  it('says how tokens are checked in its startup line', () => {
    const started = serve.logs.find((l) => l.msg.startsWith('Formgate listening on'))!;
    expect(started.identityService).toEqual({
      protocol: 'jwt',
      issuer: idp.url,
      jwks: "from the issuer's discovery document",
      audiences: ['formgate'],
      algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'],
      cacheSize: 0,
    });
  });

  it("accepts the service's token and shows its identity in /api/v1/me", async () => {
    const res = await me(token);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { caller: Record<string, unknown> };
    expect(body.caller).toMatchObject({ authenticated: true, kind: 'person', userId: 'alice', name: 'Alice Example', email: 'alice@example.com', groups: ['staff', 'finance', 'admin'] });
  });

  it('refuses a token signed with another key (401), and one for another audience', async () => {
    const claims = { iss: idp.url, aud: 'formgate', sub: 'alice', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 300 };
    expect((await me(await stranger.sign(claims))).status).toBe(401);
    const [, payload] = token.split('.');
    // The service's own signature over a changed payload: the signature no longer fits.
    const tampered = token.replace(payload!, Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: 'bob' })).toString('base64url'));
    expect((await me(tampered)).status).toBe(401);
    expect((await me()).status).toBe(401);
  });

  it('keeps using the keys once the service has stopped, and /health shows their age', async () => {
    await idp.stop();
    const res = await me(token);
    expect(res.status).toBe(200);
    const health = await fetchWithin(`${serve.url}/health`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as { checks: Record<string, { status: string; observedValue?: number; observedUnit?: string }[]> };
    expect(body.checks['jwks:age']).toEqual([expect.objectContaining({ status: 'pass', observedUnit: 's', observedValue: expect.any(Number) })]);
    expect(body.checks['jwks:age']![0]!.observedValue).toBeGreaterThanOrEqual(0);
  });

  it('never wrote the token anywhere', () => {
    for (const part of [token, token.split('.')[2]!]) {
      expect(serve.stdout()).not.toContain(part);
      expect(serve.stderr()).not.toContain(part);
    }
  });
});
