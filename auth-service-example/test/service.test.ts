import { createLocalJWKSet, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DirectorySource } from '../src/directory/live.ts';
import { ALICE_PASSWORD, testDirectory, type TestDirectory } from './support/directory.ts';
import { ISSUER, passwordToken, startService } from './support/app.ts';

/** The endpoints around the tokens: keys, discovery, health, the OpenAPI document, and how failures look. */

let fixture: TestDirectory;
beforeAll(async () => {
  fixture = await testDirectory();
});

describe('GET /.well-known/jwks.json', () => {
  it('publishes the public key tokens verify against, and nothing private', async () => {
    const service = await startService({ directory: fixture.directory });
    const response = await service.fetch('/.well-known/jwks.json');
    expect(response.status).toBe(200);
    const jwks = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toEqual([{ kty: 'OKP', crv: 'Ed25519', x: service.key.publicJwk.x, kid: service.key.kid, alg: 'EdDSA', use: 'sig' }]);

    // What any JWT library would do with it: verify a token from /token.
    const token = await passwordToken(service, 'alice', ALICE_PASSWORD);
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks as never), { issuer: ISSUER, audience: 'formgate', currentDate: new Date(service.clock.now()) });
    expect(payload.sub).toBe('alice');
  });
});

describe('GET /.well-known/openid-configuration', () => {
  it('names the endpoints under the issuer', async () => {
    const service = await startService({ directory: fixture.directory });
    const metadata = (await (await service.fetch('/.well-known/openid-configuration')).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: ISSUER,
      token_endpoint: `${ISSUER}/token`,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      userinfo_endpoint: `${ISSUER}/userinfo`,
      introspection_endpoint: `${ISSUER}/introspect`,
      authorization_endpoint: `${ISSUER}/authorize`,
      end_session_endpoint: `${ISSUER}/logout`,
      grant_types_supported: ['authorization_code', 'refresh_token', 'password', 'client_credentials'],
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      id_token_signing_alg_values_supported: ['EdDSA'],
      subject_types_supported: ['public'],
      scopes_supported: expect.arrayContaining(['openid', 'profile', 'email', 'groups']),
      claims_supported: expect.arrayContaining(['sub', 'aud', 'nonce', 'auth_time', 'sid', 'groups']),
      authorization_response_iss_parameter_supported: true,
    });
  });
});

describe('GET /healthz', () => {
  it('passes while the directory can be read, and warns (still 200) when it cannot', async () => {
    let problem: string | undefined;
    const directory: DirectorySource = {
      current: async () => fixture.directory,
      health: async () => (problem === undefined ? { ok: true } : { ok: false, problem }),
    };
    const service = await startService({ directory });
    const healthy = await service.fetch('/healthz');
    expect(healthy.status).toBe(200);
    expect(healthy.headers.get('content-type')).toBe('application/health+json');
    expect(await healthy.json()).toEqual({ status: 'pass', checks: { 'users:file': [{ componentType: 'datastore', status: 'pass' }] } });

    problem = 'the users file users.yaml is not valid: at users.alice.groups: expected a list';
    const degraded = await service.fetch('/healthz');
    expect(degraded.status).toBe(200);
    expect(await degraded.json()).toEqual({ status: 'warn', checks: { 'users:file': [{ componentType: 'datastore', status: 'warn', output: problem }] } });
  });
});

describe('GET /openapi.json', () => {
  it('documents every route the app has, with its security', async () => {
    const service = await startService({ directory: fixture.directory });
    const response = await service.fetch('/openapi.json');
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, { security?: unknown }>>; components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> } };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.fromEntries(Object.entries(document.paths).map(([path, ops]) => [path, Object.keys(ops)]))).toEqual({
      '/token': ['post'],
      '/authorize': ['get', 'post'],
      '/login.css': ['get'],
      '/logout': ['get'],
      '/validate': ['post'],
      '/userinfo': ['get', 'post'],
      '/introspect': ['post'],
      '/.well-known/jwks.json': ['get'],
      '/.well-known/openid-configuration': ['get'],
      '/healthz': ['get'],
    });
    expect(document.paths['/introspect']!.post!.security).toEqual([{ clientBasic: [] }]);
    expect(document.paths['/userinfo']!.post!.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['bearerAuth', 'clientBasic']);
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['TokenRequest', 'TokenResponse', 'UserInfo', 'UserInfoClaims', 'Introspection', 'OAuthError', 'Jwks']));
  });
});

describe('failures', () => {
  it('answers an unknown route with a 404 problem', async () => {
    const service = await startService({ directory: fixture.directory });
    for (const [method, path] of [
      ['GET', '/nowhere'],
      ['GET', '/token'],
      ['DELETE', '/validate'],
    ] as const) {
      const response = await service.fetch(path, { method });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(await response.json()).toMatchObject({ status: 404, title: 'Not Found' });
    }
    expect(service.logs().filter((l) => l.msg === 'request').map((l) => l.route)).toEqual([null, null, null]);
  });

  it('turns a thrown error into a 500 problem without details, and logs the cause', async () => {
    const directory: DirectorySource = {
      current: async () => {
        throw new Error('disk on fire');
      },
      health: async () => ({ ok: true }),
    };
    const service = await startService({ directory });
    const response = await service.fetch('/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=password&username=alice&password=${ALICE_PASSWORD}`,
    });
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const text = await response.text();
    expect(text).not.toContain('disk on fire');
    expect(JSON.parse(text)).toMatchObject({ status: 500, title: 'Internal Server Error' });

    const logs = service.logs();
    expect(logs.find((l) => l.msg === 'unhandled error')).toMatchObject({ level: 'error', err: { message: 'disk on fire' } });
    expect(logs.find((l) => l.msg === 'request failed')).toMatchObject({ level: 'error', route: '/token', status: 500 });
    expect(service.logText()).not.toContain(ALICE_PASSWORD);
  });

  it('refuses a body larger than any real request with 413', async () => {
    const service = await startService({ directory: fixture.directory });
    const response = await service.fetch('/validate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'x'.repeat(100_000) }) });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ status: 413 });
  });

  it('logs the caller\'s x-request-id as requestId when it looks like an id, so the callers\' logs join up', async () => {
    const service = await startService({ directory: fixture.directory });
    const id = '3f1c2a9e-6a44-4d0b-9d1e-5b1f2c7a8e10';
    const sent: (string | undefined)[] = [id, 'formgate:req.42_A', undefined, 'not an id, with spaces', 'x'.repeat(129), '{"inject":1}'];
    for (const requestId of sent) {
      const response = await service.fetch('/healthz', requestId === undefined ? {} : { headers: { 'x-request-id': requestId } });
      await response.body?.cancel();
    }
    const lines = service.logs().filter((l) => l.msg === 'request');
    expect(lines.map((l) => l.requestId)).toEqual([id, 'formgate:req.42_A', undefined, undefined, undefined, undefined]);
    expect(service.logText()).not.toContain('with spaces');
    expect(service.logText()).not.toContain('inject');
  });

  it('never logs the Authorization header, whatever the route', async () => {
    const service = await startService({ directory: fixture.directory });
    const token = await passwordToken(service, 'alice', ALICE_PASSWORD);
    await service.fetch('/userinfo', { headers: { authorization: `Bearer ${token}` } });
    await service.fetch('/nowhere', { headers: { authorization: `Bearer ${token}` } });
    const lines = service.logs().filter((l) => l.msg === 'request');
    expect(lines.map((l) => [l.method, l.route, l.status, typeof l.durationMs])).toEqual([
      ['POST', '/token', 200, 'number'],
      ['GET', '/userinfo', 200, 'number'],
      ['GET', null, 404, 'number'],
    ]);
    expect(service.logText()).not.toContain(token);
    expect(service.logText().toLowerCase()).not.toContain('bearer');
  });
});
