import { afterEach, describe, expect, it } from 'vitest';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { startKeySetServer, type KeySetServer } from '../../support/key-set-server.ts';

// The test server itself: the key-set and jwt tests rely on it doing what it says.

let server: KeySetServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('the key-set test server', () => {
  it('publishes its keys and a discovery document naming them, and signs tokens they verify', async () => {
    server = await startKeySetServer({ issuerPath: '/realms/test', cacheControl: 'max-age=60' });
    const discovery = await fetch(server.discoveryUrl);
    expect(await discovery.json()).toMatchObject({ issuer: server.issuer, jwks_uri: server.jwksUrl });
    const response = await fetch(server.jwksUrl);
    expect(response.headers.get('cache-control')).toBe('max-age=60');
    const jwks = (await response.json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual(server.keys().map((k) => k.kid));
    const token = await server.sign({ sub: 'alice' });
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks as never));
    expect(payload.sub).toBe('alice');
    expect([server.jwksFetches(), server.discoveryFetches()]).toEqual([1, 1]);
  });

  it('rotates: the new key is published, the oldest withdrawn', async () => {
    server = await startKeySetServer({ keys: 2 });
    const [first, second] = server.keys();
    const added = await server.rotate({ alg: 'ES256' });
    expect(server.keys().map((k) => k.kid)).toEqual([second!.kid, added.kid]);
    expect(server.keys().map((k) => k.kid)).not.toContain(first!.kid);
  });

  it('goes down (refused) and comes back on the same port', async () => {
    server = await startKeySetServer();
    await server.down();
    await expect(fetch(server.jwksUrl)).rejects.toThrow();
    await server.up();
    expect((await fetch(server.jwksUrl)).status).toBe(200);
  });

  it('answers as scripted: a chunked body without Content-Length, a stalled body', async () => {
    server = await startKeySetServer();
    server.answerJwks({ body: 'x'.repeat(1000), chunked: true });
    const chunked = await fetch(server.jwksUrl);
    expect(chunked.headers.get('content-length')).toBeNull();
    expect((await chunked.text()).length).toBe(1000);
    server.answerJwks({ stallBodyMs: 300 });
    const stalled = await fetch(server.jwksUrl);
    expect(stalled.status).toBe(200);
    expect(((await stalled.json()) as { keys: unknown[] }).keys).toHaveLength(1);
    server.answerJwks(undefined);
    server.setDiscoveryIssuer('https://elsewhere.example');
    expect(((await (await fetch(server.discoveryUrl)).json()) as { issuer: string }).issuer).toBe('https://elsewhere.example');
  });
});
