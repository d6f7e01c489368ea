import { decodeJwt, decodeProtectedHeader } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALICE_PASSWORD, BOB_PASSWORD, testDirectory, type TestDirectory } from './support/directory.ts';
import { basic, form, ISSUER, START_MS, startService } from './support/app.ts';

/** POST /token: both grants, every way each can fail, and the error format of RFC 6749 §5.2. */

let fixture: TestDirectory;
beforeAll(async () => {
  fixture = await testDirectory();
});

const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };

async function expectOAuthError(response: Response, status: number, error: string): Promise<string> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.headers.get('cache-control')).toBe('no-store');
  const body = (await response.json()) as { error: string; error_description: string };
  expect(body.error).toBe(error);
  expect(body.error_description.length).toBeGreaterThan(0);
  return body.error_description;
}

describe('grant_type=password', () => {
  it('issues a signed JWT for the right password, with the claims Formgate and OIDC clients read', async () => {
    const service = await startService({ directory: fixture.directory, tokenTtlS: 600 });
    const response = await service.fetch('/token', form({ grant_type: 'password', username: 'alice', password: ALICE_PASSWORD }));

    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'forms:read forms:write' });
    const token = body.access_token as string;

    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', kid: service.key.kid, typ: 'JWT' });
    const claims = decodeJwt(token);
    const iat = Math.floor(START_MS / 1000);
    expect(claims).toMatchObject({
      iss: ISSUER,
      sub: 'alice',
      aud: 'formgate',
      iat,
      exp: iat + 600,
      name: 'Alice Example',
      email: 'alice@example.com',
      preferred_username: 'alice',
      groups: ['staff', 'finance', 'admin'],
      scope: 'forms:read forms:write',
    });
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    // The log names who logged in, and nothing they logged in with.
    expect(service.logs().find((l) => l.route === '/token')).toMatchObject({ method: 'POST', status: 200, principal: 'alice' });
    expect(service.logText()).not.toContain(ALICE_PASSWORD);
    expect(service.logText()).not.toContain(token);
  });

  it('grants a subset of the allowed scopes when asked, and refuses scopes the user may not have', async () => {
    const service = await startService({ directory: fixture.directory });
    const subset = await service.fetch('/token', form({ grant_type: 'password', username: 'alice', password: ALICE_PASSWORD, scope: 'forms:read' }));
    expect(subset.status).toBe(200);
    const body = (await subset.json()) as { scope: string; access_token: string };
    expect(body.scope).toBe('forms:read');
    expect(decodeJwt(body.access_token).scope).toBe('forms:read');

    const refused = await service.fetch('/token', form({ grant_type: 'password', username: 'alice', password: ALICE_PASSWORD, scope: 'forms:read admin:all' }));
    expect(await expectOAuthError(refused, 400, 'invalid_scope')).toContain('admin:all');
  });

  it('issues a token without groups or scope for a user who has none', async () => {
    const service = await startService({ directory: fixture.directory });
    const response = await service.fetch('/token', form({ grant_type: 'password', username: 'bob', password: BOB_PASSWORD }));
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty('scope');
    const claims = decodeJwt(body.access_token as string);
    expect(claims).toMatchObject({ sub: 'bob', groups: [] });
    expect(claims).not.toHaveProperty('name');
    expect(claims).not.toHaveProperty('email');
  });

  it('answers a wrong password and an unknown user identically, and logs neither the name tried nor the password', async () => {
    const service = await startService({ directory: fixture.directory });
    const wrongPassword = await service.fetch('/token', form({ grant_type: 'password', username: 'alice', password: 'not-alices-password' }));
    const unknownUser = await service.fetch('/token', form({ grant_type: 'password', username: 'mallory-the-unknown', password: ALICE_PASSWORD }));

    const a = await expectOAuthError(wrongPassword, 400, 'invalid_grant');
    const b = await expectOAuthError(unknownUser, 400, 'invalid_grant');
    expect(a).toBe(b);
    const lines = service.logs().filter((l) => l.route === '/token');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatchObject({ status: 400, refusal: 'wrong user name or password' });
    for (const secret of ['not-alices-password', ALICE_PASSWORD, 'mallory-the-unknown']) expect(service.logText()).not.toContain(secret);
  });

  it('does not let a service account log in with the password grant', async () => {
    const service = await startService({ directory: fixture.directory });
    const response = await service.fetch('/token', form({ grant_type: 'password', username: 'importer', password: fixture.importerKey }));
    await expectOAuthError(response, 400, 'invalid_grant');
  });

  it('asks for what is missing: username or password', async () => {
    const service = await startService({ directory: fixture.directory });
    const response = await service.fetch('/token', form({ grant_type: 'password', username: 'alice' }));
    expect(await expectOAuthError(response, 400, 'invalid_request')).toContain('username and password');
  });
});

describe('grant_type=client_credentials', () => {
  it('issues a token to a service account authenticated with HTTP Basic', async () => {
    const service = await startService({ directory: fixture.directory });
    const response = await service.fetch('/token', { ...form({ grant_type: 'client_credentials' }), headers: { ...formHeaders, authorization: basic('importer', fixture.importerKey) } });

    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(body).not.toHaveProperty('scope');
    expect(decodeJwt(body.access_token as string)).toMatchObject({ sub: 'service-account:importer', preferred_username: 'importer', groups: ['importers'], aud: 'formgate' });
    expect(service.logs().find((l) => l.route === '/token')).toMatchObject({ status: 200, principal: 'service-account:importer' });
    expect(service.logText()).not.toContain(fixture.importerKey);
  });

  it('accepts client_id and client_secret in the body instead', async () => {
    const service = await startService({ directory: fixture.directory });
    const response = await service.fetch('/token', form({ grant_type: 'client_credentials', client_id: 'auditor', client_secret: fixture.auditorKey }));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { access_token: string; scope: string };
    expect(body.scope).toBe('audit:read');
    expect(decodeJwt(body.access_token)).toMatchObject({ sub: 'service-account:auditor', scope: 'audit:read' });
  });

  it('refuses a wrong key, another account\'s key, an unknown account and no credentials with 401 invalid_client and a Basic challenge', async () => {
    const service = await startService({ directory: fixture.directory });
    const attempts: RequestInit[] = [
      { ...form({ grant_type: 'client_credentials' }), headers: { ...formHeaders, authorization: basic('importer', `${fixture.importerKey.slice(0, -4)}AAAA`) } },
      { ...form({ grant_type: 'client_credentials' }), headers: { ...formHeaders, authorization: basic('importer', fixture.auditorKey) } },
      form({ grant_type: 'client_credentials', client_id: 'nobody', client_secret: fixture.importerKey }),
      form({ grant_type: 'client_credentials', client_id: 'importer', client_secret: 'not-even-shaped-like-a-key' }),
      form({ grant_type: 'client_credentials' }),
    ];
    for (const attempt of attempts) {
      const response = await service.fetch('/token', attempt);
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="/);
      await expectOAuthError(response, 401, 'invalid_client');
    }
    expect(service.logText()).not.toContain(fixture.importerKey);
    expect(service.logText()).not.toContain(fixture.auditorKey);
  });

  it('refuses credentials sent both ways at once (RFC 6749 §2.3)', async () => {
    const service = await startService({ directory: fixture.directory });
    const response = await service.fetch('/token', {
      ...form({ grant_type: 'client_credentials', client_id: 'importer', client_secret: fixture.importerKey }),
      headers: { ...formHeaders, authorization: basic('importer', fixture.importerKey) },
    });
    expect(await expectOAuthError(response, 401, 'invalid_client')).toContain('not both');
  });
});

describe('malformed token requests', () => {
  it('refuses an unsupported grant type', async () => {
    const service = await startService({ directory: fixture.directory });
    const response = await service.fetch('/token', form({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'x' }));
    await expectOAuthError(response, 400, 'unsupported_grant_type');
  });

  it('refuses a missing grant type, a JSON body and a repeated parameter as invalid_request', async () => {
    const service = await startService({ directory: fixture.directory });
    expect(await expectOAuthError(await service.fetch('/token', form({ username: 'alice' })), 400, 'invalid_request')).toContain('grant_type');
    const json = await service.fetch('/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'password' }) });
    expect(await expectOAuthError(json, 400, 'invalid_request')).toContain('x-www-form-urlencoded');
    const repeated = await service.fetch('/token', { method: 'POST', headers: formHeaders, body: `grant_type=password&username=alice&username=bob&password=${ALICE_PASSWORD}` });
    expect(await expectOAuthError(repeated, 400, 'invalid_request')).toContain('more than once');
  });
});
