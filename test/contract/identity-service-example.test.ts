import { beforeAll, describe, expect, it } from 'vitest';
// The example is reached through its app factory, served by its own test support (a clock the test
// moves, a directory of known users); it never imports Formgate, so this test lives on Formgate's side.
import { ALICE_PASSWORD, testDirectory, type TestDirectory } from '../../auth-service-example/test/support/directory.ts';
import { clientToken, passwordToken, START_MS, startService, type TestService } from '../../auth-service-example/test/support/app.ts';
import { formgateProtocol } from '../../src/auth/protocols/formgate.ts';
import { introspectionProtocol } from '../../src/auth/protocols/introspection.ts';
import { oidcProtocol } from '../../src/auth/protocols/oidc.ts';
import type { Protocol } from '../../src/auth/protocols/protocol.ts';

/**
 * Formgate reads each of the example identity service's answers as a valid identity, through the same
 * protocol code it runs in production: the request is built by Formgate's protocol, sent over HTTP to the
 * service, and the answer interpreted by Formgate's protocol.
 */

let fixture: TestDirectory;
beforeAll(async () => {
  fixture = await testDirectory();
});

/** Asks the service the way Formgate would, at `path`, and returns Formgate's verdict. */
async function verdict(service: TestService, protocol: Protocol, path: string, token: string) {
  const request = protocol.request(token);
  const response = await service.fetch(path, { method: request.method, headers: request.headers, ...(request.body === undefined ? {} : { body: request.body }) });
  return protocol.interpret({ status: response.status, headers: response.headers, body: await response.text() });
}

const protocols = (t: TestDirectory): [string, string, () => Protocol][] => [
  ['formgate', '/validate', () => formgateProtocol()],
  ['oidc', '/userinfo', () => oidcProtocol('groups')],
  ['introspection', '/introspect', () => introspectionProtocol({ clientId: 'importer', clientSecret: t.importerKey }, 'groups')],
];

describe('Formgate reads the example identity service as', () => {
  it.each(['formgate', 'oidc', 'introspection'])('%s: a valid identity for a user token, with the lifetime the service allows', async (name) => {
    const [, path, make] = protocols(fixture).find(([n]) => n === name)!;
    const service = await startService({ directory: fixture.directory, tokenTtlS: 900 });
    const token = await passwordToken(service, 'alice', ALICE_PASSWORD);
    service.clock.advance(900 - 200);

    const result = await verdict(service, make(), path, token);
    if (result.kind !== 'valid') throw new Error(`expected a valid identity, got ${JSON.stringify(result)}`);
    expect(result.identity).toMatchObject({ userId: 'alice', name: 'Alice Example', email: 'alice@example.com', groups: ['staff', 'finance', 'admin'] });
    // Formgate keeps the answer no longer than the token lives.
    expect(result.freshness).toMatchObject({ maxAgeS: 200, noStore: false });
    if (name !== 'oidc') expect(result.freshness.expiresAtMs).toBe(Math.floor(START_MS / 1000) * 1000 + 900_000);
    if (name === 'formgate') expect(result.freshness.ttlS).toBe(200);
    if (name !== 'oidc') expect(result.identity.scopes).toEqual(['forms:read', 'forms:write']);
  });

  it.each(['formgate', 'oidc', 'introspection'])('%s: a valid identity for a service account token', async (name) => {
    const [, path, make] = protocols(fixture).find(([n]) => n === name)!;
    const service = await startService({ directory: fixture.directory });
    const token = await clientToken(service, 'importer', fixture.importerKey);
    const result = await verdict(service, make(), path, token);
    if (result.kind !== 'valid') throw new Error(`expected a valid identity, got ${JSON.stringify(result)}`);
    expect(result.identity).toMatchObject({ userId: 'service-account:importer', groups: ['importers'] });
  });

  it.each(['formgate', 'oidc', 'introspection'])('%s: a rejection (never a failure) for an expired token', async (name) => {
    const [, path, make] = protocols(fixture).find(([n]) => n === name)!;
    const service = await startService({ directory: fixture.directory, tokenTtlS: 60 });
    const token = await passwordToken(service, 'alice', ALICE_PASSWORD);
    service.clock.advance(61);
    expect(await verdict(service, make(), path, token)).toMatchObject({ kind: 'rejected' });
  });
});
