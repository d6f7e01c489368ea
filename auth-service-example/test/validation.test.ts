import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT, decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DirectorySource } from '../src/directory/live.ts';
import type { Directory } from '../src/directory/schema.ts';
import { userPrincipal } from '../src/principals.ts';
import { issueAccessToken } from '../src/tokens.ts';
import { basic, clientToken, form, ISSUER, passwordToken, START_MS, startService, testKey, type TestService } from './support/app.ts';
import { ALICE_PASSWORD, testDirectory, type TestDirectory } from './support/directory.ts';

/**
 * The three validation endpoints, /validate (Formgate's protocol), /userinfo (OIDC) and /introspect
 * (RFC 7662): each must accept exactly the tokens this service issued, still valid, whose holder is
 * still in the directory, and answer how long the answer may be kept.
 */

let fixture: TestDirectory;
beforeAll(async () => {
  fixture = await testDirectory();
});

interface Outcome {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly cacheControl: string | null;
  readonly challenge: string | null;
}

const ask = {
  async validate(service: TestService, token: string): Promise<Outcome> {
    return outcome(await service.fetch('/validate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) }));
  },
  async userinfo(service: TestService, token: string): Promise<Outcome> {
    return outcome(await service.fetch('/userinfo', { headers: { authorization: `Bearer ${token}` } }));
  },
  async introspect(service: TestService, token: string): Promise<Outcome> {
    const init = form({ token, token_type_hint: 'access_token' });
    return outcome(await service.fetch('/introspect', { ...init, headers: { ...(init.headers as Record<string, string>), authorization: basic('importer', fixture.importerKey) } }));
  },
};

async function outcome(response: Response): Promise<Outcome> {
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    cacheControl: response.headers.get('cache-control'),
    challenge: response.headers.get('www-authenticate'),
  };
}

/** Asserts that all three endpoints refuse the token, each in its protocol's way, for the given reason. */
async function expectRefusedEverywhere(service: TestService, token: string, reason: string): Promise<void> {
  const validate = await ask.validate(service, token);
  expect(validate.status, JSON.stringify(validate.body)).toBe(401);
  expect(validate.body).toEqual({ error: 'invalid_token', error_description: `The token is not valid (${reason}).` });

  const userinfo = await ask.userinfo(service, token);
  expect(userinfo.status).toBe(401);
  expect(userinfo.challenge).toMatch(/^Bearer realm="[^"]+", error="invalid_token"$/);

  const introspect = await ask.introspect(service, token);
  expect(introspect.status).toBe(200);
  expect(introspect.body).toEqual({ active: false });

  const refusals = service.logs().filter((l) => l.refusal === reason);
  expect(refusals.map((l) => l.route).sort()).toEqual(['/introspect', '/userinfo', '/validate']);
  // Refused or not, a token never reaches the log.
  expect(service.logText()).not.toContain(token);
}

/** A copy of the JWT with one of its three parts replaced. */
function withPart(token: string, index: 0 | 1 | 2, part: string): string {
  const parts = token.split('.');
  parts[index] = part;
  return parts.join('.');
}

function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A mutable directory, so a test can remove a user after their token was issued. */
function swappableDirectory(initial: Directory): DirectorySource & { set(next: Directory): void } {
  let current = initial;
  return { current: async () => current, health: async () => ({ ok: true }), set: (next) => void (current = next) };
}

describe('a valid token', () => {
  it('is described the same way by all three endpoints, with a TTL capped at 300 s', async () => {
    const service = await startService({ directory: fixture.directory, tokenTtlS: 900 });
    const token = await passwordToken(service, 'alice', ALICE_PASSWORD);
    const exp = Math.floor(START_MS / 1000) + 900;

    const validate = await ask.validate(service, token);
    expect(validate.status).toBe(200);
    expect(validate.body).toEqual({
      userId: 'alice',
      name: 'Alice Example',
      email: 'alice@example.com',
      groups: ['staff', 'finance', 'admin'],
      scopes: ['forms:read', 'forms:write'],
      ttl: 300,
      expiresAt: new Date(exp * 1000).toISOString().replace('.000Z', 'Z'),
    });
    expect(validate.cacheControl).toBe('private, max-age=300');

    const userinfo = await ask.userinfo(service, token);
    expect(userinfo.status).toBe(200);
    expect(userinfo.body).toEqual({
      sub: 'alice',
      name: 'Alice Example',
      preferred_username: 'alice',
      email: 'alice@example.com',
      groups: ['staff', 'finance', 'admin'],
      scope: 'forms:read forms:write',
    });
    expect(userinfo.cacheControl).toBe('private, max-age=300');

    const introspect = await ask.introspect(service, token);
    expect(introspect.status).toBe(200);
    expect(introspect.body).toMatchObject({
      active: true,
      sub: 'alice',
      username: 'alice',
      groups: ['staff', 'finance', 'admin'],
      scope: 'forms:read forms:write',
      exp,
      iat: exp - 900,
      iss: ISSUER,
      aud: 'formgate',
    });
    expect(introspect.cacheControl).toBe('private, max-age=300');

    // Each line names whose token it was; /introspect's names who asked.
    const principals = Object.fromEntries(service.logs().filter((l) => l.status === 200).map((l) => [l.route, l.principal]));
    expect(principals).toMatchObject({ '/validate': 'alice', '/userinfo': 'alice', '/introspect': 'service-account:importer' });
    expect(service.logText()).not.toContain(token);
  });

  it('answers the time it has left when that is under 300 s, then is refused once expired', async () => {
    const service = await startService({ directory: fixture.directory, tokenTtlS: 900 });
    const token = await passwordToken(service, 'alice', ALICE_PASSWORD);

    service.clock.advance(900 - 120);
    const validate = await ask.validate(service, token);
    expect(validate.body.ttl).toBe(120);
    expect(validate.cacheControl).toBe('private, max-age=120');
    expect((await ask.userinfo(service, token)).cacheControl).toBe('private, max-age=120');
    expect((await ask.introspect(service, token)).cacheControl).toBe('private, max-age=120');

    service.clock.advance(119.5);
    const lastMoment = await ask.validate(service, token);
    expect(lastMoment.status).toBe(200);
    expect(lastMoment.body.ttl).toBe(0);

    service.clock.advance(0.5);
    await expectRefusedEverywhere(service, token, 'expired');
  });

  it('of a service account is described as service-account:NAME', async () => {
    const service = await startService({ directory: fixture.directory });
    const token = await clientToken(service, 'importer', fixture.importerKey);
    expect((await ask.validate(service, token)).body).toMatchObject({ userId: 'service-account:importer', groups: ['importers'] });
    expect((await ask.userinfo(service, token)).body).toMatchObject({ sub: 'service-account:importer', preferred_username: 'importer' });
    expect((await ask.introspect(service, token)).body).toMatchObject({ active: true, sub: 'service-account:importer', username: 'importer' });
  });

  it('shows the directory as it is now, and is refused once its holder has been removed', async () => {
    const directory = swappableDirectory(fixture.directory);
    const service = await startService({ directory });
    const token = await passwordToken(service, 'alice', ALICE_PASSWORD);

    const alice = fixture.directory.users.alice!;
    directory.set({ ...fixture.directory, users: { ...fixture.directory.users, alice: { ...alice, groups: ['staff'] } } });
    expect((await ask.validate(service, token)).body.groups).toEqual(['staff']);

    const { alice: _removed, ...others } = fixture.directory.users;
    directory.set({ ...fixture.directory, users: others });
    await expectRefusedEverywhere(service, token, 'unknown subject');
  });
});

describe('POST /userinfo (OIDC Core §5.3.1)', () => {
  it('answers as GET does, for the token in the Authorization header or in the form body', async () => {
    const service = await startService({ directory: fixture.directory });
    const token = await passwordToken(service, 'alice', ALICE_PASSWORD);
    const byGet = await ask.userinfo(service, token);
    expect(byGet.status).toBe(200);

    const byHeader = await outcome(await service.fetch('/userinfo', { method: 'POST', headers: { authorization: `Bearer ${token}` } }));
    const byForm = await outcome(await service.fetch('/userinfo', form({ access_token: token })));
    for (const answer of [byHeader, byForm]) {
      expect(answer).toEqual({ ...byGet, challenge: null });
      expect(answer.body).toMatchObject({ sub: 'alice', preferred_username: 'alice' });
    }
    const lines = service.logs().filter((l) => l.route === '/userinfo');
    expect(lines.map((l) => [l.method, l.status, l.principal])).toEqual([
      ['GET', 200, 'alice'],
      ['POST', 200, 'alice'],
      ['POST', 200, 'alice'],
    ]);
    expect(service.logText()).not.toContain(token);
  });

  it('refuses a token that is not valid with invalid_token, and a token sent two ways with invalid_request', async () => {
    const service = await startService({ directory: fixture.directory });
    const token = await passwordToken(service, 'alice', ALICE_PASSWORD);

    const refused = await outcome(await service.fetch('/userinfo', form({ access_token: 'garbage-not-a-jwt' })));
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: 'invalid_token' });
    expect(refused.challenge).toMatch(/^Bearer realm="[^"]+", error="invalid_token"$/);

    const init = form({ access_token: token });
    const twice = await outcome(await service.fetch('/userinfo', { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } }));
    expect(twice.status).toBe(400);
    expect(twice.body).toMatchObject({ error: 'invalid_request' });
    expect(twice.challenge).toMatch(/^Bearer realm="[^"]+", error="invalid_request"$/);
    expect(JSON.stringify(twice.body)).not.toContain(token);
  });
});

describe('a token that is not valid', () => {
  it('with a flipped signature byte is refused', async () => {
    const service = await startService({ directory: fixture.directory });
    const token = await passwordToken(service, 'alice', ALICE_PASSWORD);
    const signature = Buffer.from(token.split('.')[2]!, 'base64url');
    signature[10] = signature[10]! ^ 0x01;
    await expectRefusedEverywhere(service, withPart(token, 2, signature.toString('base64url')), 'bad signature');
  });

  it('with a changed claim (bob made admin) is refused', async () => {
    const service = await startService({ directory: fixture.directory });
    const token = await passwordToken(service, 'alice', ALICE_PASSWORD);
    const claims = decodeJwt(token);
    await expectRefusedEverywhere(service, withPart(token, 1, encodeJson({ ...claims, sub: 'bob' })), 'bad signature');
  });

  it('from another issuer, though signed with this very key, is refused', async () => {
    const service = await startService({ directory: fixture.directory });
    const alice = userPrincipal(fixture.directory, 'alice')!;
    const { token } = await issueAccessToken({ key: await testKey(), issuer: 'http://elsewhere.test', ttlS: 900 }, alice, [], START_MS);
    await expectRefusedEverywhere(service, token, 'wrong issuer');
  });

  it('for another audience is refused', async () => {
    const service = await startService({ directory: fixture.directory });
    const key = await testKey();
    const iat = Math.floor(START_MS / 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
      .setIssuer(ISSUER)
      .setSubject('alice')
      .setAudience('another-api')
      .setIssuedAt(iat)
      .setExpirationTime(iat + 900)
      .setJti('j-1')
      .sign(key.privateKey);
    await expectRefusedEverywhere(service, token, 'wrong audience');
  });

  it('signed with a key this service does not know (unknown kid) is refused', async () => {
    const service = await startService({ directory: fixture.directory });
    const { privateKey } = generateKeyPairSync('ed25519');
    const iat = Math.floor(START_MS / 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: 'some-other-key' })
      .setIssuer(ISSUER)
      .setSubject('alice')
      .setAudience('formgate')
      .setIssuedAt(iat)
      .setExpirationTime(iat + 900)
      .setJti('j-2')
      .sign(privateKey);
    await expectRefusedEverywhere(service, token, 'unknown key');
  });

  it('signed with another key under this service\'s kid is refused', async () => {
    const service = await startService({ directory: fixture.directory });
    const { privateKey } = generateKeyPairSync('ed25519');
    const iat = Math.floor(START_MS / 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: service.key.kid })
      .setIssuer(ISSUER)
      .setSubject('alice')
      .setAudience('formgate')
      .setIssuedAt(iat)
      .setExpirationTime(iat + 900)
      .setJti('j-3')
      .sign(privateKey);
    await expectRefusedEverywhere(service, token, 'bad signature');
  });

  it('without a signature (alg none) is refused', async () => {
    const service = await startService({ directory: fixture.directory });
    const iat = Math.floor(START_MS / 1000);
    const token = new UnsecuredJWT({ groups: ['admin'] }).setIssuer(ISSUER).setSubject('alice').setAudience('formgate').setIssuedAt(iat).setExpirationTime(iat + 900).setJti('j-4').encode();
    await expectRefusedEverywhere(service, token, 'unknown key');
  });

  it('with a lifetime claim that is not a whole number of seconds in years 1970-9999 is refused as malformed', async () => {
    const key = await testKey();
    const iat = Math.floor(START_MS / 1000);
    // Each is otherwise valid and signed with the service's own key: only the number is wrong.
    const claimSets: Record<string, number>[] = [
      { iat, exp: 1e20 },
      { iat, exp: 253402300800 },
      { iat, exp: iat + 900.5 },
      { iat: iat + 0.25, exp: iat + 900 },
      { iat: -1, exp: iat + 900 },
      { iat, exp: iat + 900, nbf: iat - 0.5 },
    ];
    for (const [index, claims] of claimSets.entries()) {
      // A service each, so each token's refusals are the only ones in its log.
      const service = await startService({ directory: fixture.directory });
      const token = await new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
        .setIssuer(ISSUER)
        .setSubject('alice')
        .setAudience('formgate')
        .setJti(`j-dates-${index}`)
        .sign(key.privateKey);
      await expectRefusedEverywhere(service, token, 'malformed');
      expect(service.logs().filter((l) => l.level === 'error')).toEqual([]);
    }
  });

  it('that is not a JWT at all is refused', async () => {
    const service = await startService({ directory: fixture.directory });
    await expectRefusedEverywhere(service, 'garbage-not-a-jwt', 'malformed');
  });
});

describe('malformed validation requests', () => {
  it('/validate: a body that is not {"token": "…"} is a 400, not a 401', async () => {
    const service = await startService({ directory: fixture.directory });
    const json = { 'content-type': 'application/json' };
    const cases: RequestInit[] = [
      { method: 'POST', headers: json, body: '{"token": ' },
      { method: 'POST', headers: json, body: '{}' },
      { method: 'POST', headers: json, body: '{"token": ""}' },
      { method: 'POST', headers: json, body: '{"token": 42}' },
      { method: 'POST', headers: json, body: '["token"]' },
      { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"token": "abc"}' },
      { method: 'POST' },
    ];
    for (const init of cases) {
      const response = await service.fetch('/validate', init);
      expect(response.status, String(init.body)).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe('invalid_request');
    }
  });

  it('/userinfo: a request without a bearer token gets a challenge and a body without an error code (RFC 6750 §3.1)', async () => {
    const service = await startService({ directory: fixture.directory });
    const attempts: Record<string, string>[] = [{}, { authorization: 'Basic YTpi' }, { authorization: 'Bearer' }];
    for (const method of ['GET', 'POST']) {
      for (const headers of attempts) {
        const response = await service.fetch('/userinfo', { method, headers });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="[^"]+"$/);
        const body = await response.text();
        expect(body, `${method} ${JSON.stringify(headers)}`).not.toContain('invalid_token');
        expect(JSON.parse(body)).toMatchObject({ status: 401, title: 'Unauthorized' });
      }
    }
  });

  it('/introspect: callers must be a service account, and must send a token', async () => {
    const service = await startService({ directory: fixture.directory });
    const token = await passwordToken(service, 'alice', ALICE_PASSWORD);
    const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };
    const refusedCallers: Record<string, string>[] = [formHeaders, { ...formHeaders, authorization: basic('importer', 'wrong') }, { ...formHeaders, authorization: `Bearer ${token}` }];
    for (const headers of refusedCallers) {
      const response = await service.fetch('/introspect', { ...form({ token }), headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      expect(((await response.json()) as { error: string }).error).toBe('invalid_client');
    }
    const noToken = await service.fetch('/introspect', { ...form({ token_type_hint: 'access_token' }), headers: { ...formHeaders, authorization: basic('importer', fixture.importerKey) } });
    expect(noToken.status).toBe(400);
    expect(((await noToken.json()) as { error: string }).error).toBe('invalid_request');

    const bodyCredentials = await service.fetch('/introspect', form({ token, client_id: 'auditor', client_secret: fixture.auditorKey }));
    expect(((await bodyCredentials.json()) as { active: boolean }).active).toBe(true);
  });
});
