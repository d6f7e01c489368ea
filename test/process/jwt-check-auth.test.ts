import { UnsecuredJWT } from 'jose';
import { afterAll, describe, it, type TestContext } from 'vitest';
import { closedPort } from '../support/identity-server.ts';
import { startKeySetServer, type KeySetServer } from '../support/key-set-server.ts';
import { killAll, runCli, type CliResult } from '../support/process.ts';

/**
 * `formgate check-auth --auth-protocol jwt` as a deployer runs it: a real process against a real key set
 * on 127.0.0.1. It fetches the keys, checks the token, prints the claims it used, and never the token.
 */

afterAll(killAll);

async function provider(ctx: TestContext, options: Parameters<typeof startKeySetServer>[0] = {}): Promise<KeySetServer> {
  const server = await startKeySetServer(options);
  ctx.onTestFinished(() => server.close());
  return server;
}

function field(r: CliResult, label: string): string {
  const line = r.stdout.split('\n').find((l) => l.startsWith(`${label}:`));
  if (line === undefined) throw new Error(`no "${label}:" line in\n${r.stdout}\nstderr: ${r.stderr}`);
  return line.slice(label.length + 1).trim();
}

function expectTokenKept(ctx: TestContext, r: CliResult, token: string): void {
  for (const part of [token, ...token.split('.').filter((p) => p.length > 10)]) {
    ctx.expect(r.stdout).not.toContain(part);
    ctx.expect(r.stderr).not.toContain(part);
  }
}

const nowS = () => Math.floor(Date.now() / 1000);
const jwtFlags = (server: KeySetServer, ...more: string[]) => ['check-auth', '--auth-protocol', 'jwt', '--auth-issuer', server.issuer, '--auth-audience', 'formgate', ...more];

describe.concurrent('formgate check-auth --auth-protocol jwt', { timeout: 60_000 }, () => {
  it('a good token, keys found by discovery: exit 0 with the key set, the claims used, the identity and the TTL', async (ctx) => {
    const { expect } = ctx;
    const server = await provider(ctx, { issuerPath: '/realms/main' });
    const iat = nowS();
    const token = await server.sign({ iss: server.issuer, aud: ['formgate', 'other'], sub: 'alice', iat, exp: iat + 120, scope: 'openid forms:write', realm_access: { roles: ['staff'] } });
    const r = await runCli([...jwtFlags(server, '--auth-groups-claim', 'realm_access.roles'), '--token-stdin'], { input: `${token}\n` });

    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(field(r, 'identity service')).toBe(`jwt, issuer ${server.issuer}, audience formgate, keys from jwks_uri of ${server.issuer}/.well-known/openid-configuration`);
    expect(field(r, 'health')).toMatch(/^skipped \(jwt: the key set is checked instead/);
    expect(field(r, 'key set')).toMatch(new RegExp(`^${server.jwksUrl}, 1 key\\(s\\) \\(kid "${server.keys()[0]!.kid}"\\), fetched in [0-9.]+ ms$`));
    expect(field(r, 'token')).toMatch(/^valid \(checked in [0-9.]+ ms\)$/);
    expect(field(r, 'claims')).toBe(`alg "RS256", kid "${server.keys()[0]!.kid}", typ "JWT"`);
    for (const line of [`iss "${server.issuer}"`, 'aud ["formgate","other"]', 'sub "alice"', 'scope "openid forms:write"', 'groups claim realm_access.roles: ["staff"]']) {
      expect(r.stdout.split('\n').map((l) => l.trim())).toContain(line);
    }
    expect(r.stdout).toMatch(/^ {11}exp \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in (1 min [0-9]+ s|[0-9]+ s|2 min)\)$/m);
    expect(r.stdout).toMatch(/^ {11}iat .*Z \([0-9]+ s ago\)$/m);
    expect(JSON.parse(field(r, 'identity'))).toEqual({ userId: 'alice', groups: ['staff'], scopes: ['openid', 'forms:write'] });
    const kept = /^kept ([0-9.]+) s \(decided by the token's exp\)$/.exec(field(r, 'cache'));
    expect(kept, field(r, 'cache')).not.toBeNull();
    expect(Number(kept![1])).toBeGreaterThan(60);
    expect(Number(kept![1])).toBeLessThanOrEqual(120);
    expect(field(r, 'result')).toBe('OK');
    expect(r.stderr).toBe('');
    expect(server.discoveryFetches()).toBe(1);
    expect(server.jwksFetches()).toBe(1);
    expectTokenKept(ctx, r, token);
  });

  it('--auth-jwks-url skips discovery; a client-credentials token is named a machine client', async (ctx) => {
    const { expect } = ctx;
    const server = await provider(ctx, { alg: 'EdDSA' });
    const token = await server.sign({ iss: server.issuer, aud: 'formgate', client_id: 'reporting-job', iat: nowS(), exp: nowS() + 600, scp: ['reports.read'] });
    const r = await runCli([...jwtFlags(server, '--auth-jwks-url', server.jwksUrl), '--token', token]);

    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(field(r, 'identity service')).toContain(`keys from ${server.jwksUrl} (--auth-jwks-url)`);
    expect(r.stdout).toContain('client_id "reporting-job" (no sub)');
    expect(JSON.parse(field(r, 'identity'))).toEqual({ userId: 'reporting-job', groups: [], scopes: ['reports.read'] });
    expect(field(r, 'kind')).toMatch(/^client \(a machine client/);
    expect(field(r, 'cache')).toBe('kept 300 s (decided by --auth-cache-max-ttl)');
    expect(server.discoveryFetches()).toBe(0);
    expectTokenKept(ctx, r, token);
  });

  it.for([
    ['expired', { exp: -200, iat: -800 }, /^REJECTED, callers with this token get 401: expired 3 min( \d+ s)? ago, at .*Z \(--auth-clock-tolerance 30 s\)$/],
    ['for another audience', { aud: 'billing' }, /^REJECTED, callers with this token get 401: aud was "billing", expected "formgate" \(--auth-audience\)$/],
    ['from another issuer', { iss: 'https://evil.example' }, /^REJECTED, callers with this token get 401: iss was "https:\/\/evil.example", expected "http:\/\/127\.0\.0\.1:\d+" \(--auth-issuer\)$/],
    ['living too long', { exp: 200_000 }, /^REJECTED, callers with this token get 401: it is valid 2000\d\d s from its iat, beyond --auth-max-token-lifetime 86400 s$/],
  ] as const)('a token %s: exit 1, saying why', async ([, change, expected], ctx) => {
    const { expect } = ctx;
    const server = await provider(ctx);
    const iat = nowS() + ('iat' in change ? change.iat : 0);
    const claims: Record<string, unknown> = { iss: server.issuer, aud: 'formgate', sub: 'bob', iat, exp: nowS() + 600 };
    if ('exp' in change) claims.exp = nowS() + change.exp;
    if ('aud' in change) claims.aud = change.aud;
    if ('iss' in change) claims.iss = change.iss;
    const token = await server.sign(claims);
    const r = await runCli([...jwtFlags(server), '--token', token]);

    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(field(r, 'token')).toMatch(expected);
    expect(r.stdout).not.toMatch(/^identity:/m);
    expect(field(r, 'claims')).toMatch(/^alg "RS256"/);
    expect(field(r, 'result')).toBe('FAILED');
    expectTokenKept(ctx, r, token);
  });

  it('alg none: exit 1, the algorithm named, no claims trusted', async (ctx) => {
    const { expect } = ctx;
    const server = await provider(ctx);
    const token = new UnsecuredJWT({ iss: server.issuer, aud: 'formgate', sub: 'mallory', exp: nowS() + 60 }).encode();
    const r = await runCli([...jwtFlags(server), '--token', token]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(field(r, 'token')).toMatch(/^REJECTED, callers with this token get 401: alg was "none"; --auth-algorithms allows RS256, /);
    expect(r.stdout).not.toContain('mallory');
  });

  it('a provider that cannot be reached: exit 1, the key set FAIL and the 503 callers would get', async (ctx) => {
    const { expect } = ctx;
    const server = await provider(ctx);
    const token = await server.sign({ iss: server.issuer, aud: 'formgate', sub: 'alice', iat: nowS(), exp: nowS() + 60 });
    const issuer = `http://127.0.0.1:${await closedPort()}`;
    const r = await runCli(['check-auth', '--auth-protocol', 'jwt', '--auth-issuer', issuer, '--auth-audience', 'formgate', '--token', token]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(field(r, 'key set')).toMatch(new RegExp(`^FAIL, jwks_uri of ${issuer}/.well-known/openid-configuration: .*connection refused`));
    expect(field(r, 'token')).toMatch(/^UNAVAILABLE, callers would get 503 \(Retry-After \d+ s\): the identity provider's signing keys could not be fetched$/);
    expect(field(r, 'result')).toBe('FAILED');
    expectTokenKept(ctx, r, token);
  });

  it('a usage mistake exits 2 with one line: --auth-url with jwt', async (ctx) => {
    const { expect } = ctx;
    const r = await runCli(['check-auth', '--auth-protocol', 'jwt', '--auth-url', 'http://127.0.0.1:1/validate', '--auth-issuer', 'http://127.0.0.1:1', '--auth-audience', 'formgate', '--token', 'a.b.c']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('drop --auth-url');
  });
});
