import { afterAll, describe, it, type TestContext } from 'vitest';
import { closedPort, startIdentityServer, type IdentityServer, type Script } from '../support/identity-server.ts';
import { killAll, runCli, type CliResult } from '../support/process.ts';

/**
 * `formgate check-auth` as a deployer runs it: a real process against a real identity service on
 * 127.0.0.1. Every test owns its service, so the tests run concurrently; each asserts on what the
 * process printed, its exit code, and what the service was asked.
 */

// Distinctive, so that finding it anywhere in the output can only mean it leaked.
const TOKEN = 'fgtok-Qz7wCheckAuthSentinel-8841';

afterAll(killAll);

async function service(ctx: TestContext, script: Script): Promise<IdentityServer> {
  const server = await startIdentityServer(script);
  ctx.onTestFinished(() => server.close());
  return server;
}

/** The printed line that starts with `label:`, without the label. */
function field(r: CliResult, label: string): string {
  const line = r.stdout.split('\n').find((l) => l.startsWith(`${label}:`));
  if (line === undefined) throw new Error(`no "${label}:" line in\n${r.stdout}\nstderr: ${r.stderr}`);
  return line.slice(label.length + 1).trim();
}

function expectTokenKept(ctx: TestContext, r: CliResult, ...secrets: string[]): void {
  for (const secret of [TOKEN, ...secrets]) {
    ctx.expect(r.stdout).not.toContain(secret);
    ctx.expect(r.stderr).not.toContain(secret);
  }
}

const stderrLines = (r: CliResult) => r.stderr.replace(/\n$/, '').split('\n');

describe.concurrent('formgate check-auth against a working service', { timeout: 60_000 }, () => {
  it('formgate protocol: exits 0 with health, the identity, and the TTL Cache-Control: max-age decides', async (ctx) => {
    const { expect } = ctx;
    const server = await service(ctx, {
      status: 200,
      body: { userId: 'u-42', name: 'Ada', groups: ['staff', 'editors'] },
      headers: { 'cache-control': 'max-age=20' },
    });
    const r = await runCli(['check-auth', '--auth-url', server.url, '--token', TOKEN]);

    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(field(r, 'identity service')).toBe(`${server.url} (protocol formgate)`);
    expect(field(r, 'health').startsWith(`pass, ${server.healthUrl} answered 2xx`), field(r, 'health')).toBe(true);
    expect(field(r, 'token')).toMatch(/^valid\b/);
    expect(JSON.parse(field(r, 'identity'))).toEqual({ userId: 'u-42', name: 'Ada', groups: ['staff', 'editors'], scopes: [] });
    expect(field(r, 'cache')).toBe('kept 20 s (decided by Cache-Control: max-age)');
    expect(field(r, 'result')).toBe('OK');
    expect(r.stderr).toBe('');

    // Validated exactly once, as serve would ask: POST {"token"} as JSON.
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]).toMatchObject({ method: 'POST', path: '/validate', token: TOKEN });
    expect(server.calls[0]!.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(server.calls[0]!.body)).toEqual({ token: TOKEN });
    expect(server.healthCalls).toHaveLength(1);
    expect(server.healthCalls[0]!.method).toBe('GET');
    expectTokenKept(ctx, r);
  });

  it('oidc protocol with the token from FORMGATE_TOKEN: GET with a bearer token, and the default TTL when the answer names none', async (ctx) => {
    const { expect } = ctx;
    const server = await service(ctx, { status: 200, body: { sub: 'oidc-7', name: 'Olga', groups: ['staff'] } });
    const r = await runCli(['check-auth', '--auth-url', server.url, '--auth-protocol', 'oidc', '--auth-cache-default-ttl', '42'], {
      env: { FORMGATE_TOKEN: TOKEN },
    });

    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(field(r, 'identity service')).toBe(`${server.url} (protocol oidc)`);
    expect(JSON.parse(field(r, 'identity'))).toEqual({ userId: 'oidc-7', name: 'Olga', groups: ['staff'], scopes: [] });
    expect(field(r, 'cache')).toBe('kept 42 s (decided by no lifetime in the answer, so --auth-cache-default-ttl)');
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]).toMatchObject({ method: 'GET', body: '', token: TOKEN });
    expect(server.calls[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expectTokenKept(ctx, r);
  });

  it("introspection with --token-stdin: HTTP Basic client credentials, the form's token, and a TTL bounded by exp", async (ctx) => {
    const { expect } = ctx;
    const secret = 'cs-Introspect-Secret-5150';
    const exp = Math.floor(Date.now() / 1000) + 120;
    const server = await service(ctx, { status: 200, body: { active: true, sub: 'svc-9', scope: 'read write', groups: ['ops'], exp } });
    const r = await runCli(
      ['check-auth', '--auth-url', server.url, '--auth-protocol', 'introspection', '--auth-client-id', 'formgate-app', '--auth-client-secret', secret, '--token-stdin'],
      { input: `${TOKEN}\n` },
    );

    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(field(r, 'identity'))).toEqual({ userId: 'svc-9', groups: ['ops'], scopes: ['read', 'write'] });
    // A token with a sub is a person's, and a person's report has no kind line.
    expect(r.stdout).not.toMatch(/^kind:/m);
    // exp is two minutes away (less the time the run took), well under the 300 s maximum.
    const kept = /^kept ([0-9.]+) s \(decided by the token's exp\)$/.exec(field(r, 'cache'));
    expect(kept, field(r, 'cache')).not.toBeNull();
    expect(Number(kept![1])).toBeGreaterThan(60);
    expect(Number(kept![1])).toBeLessThanOrEqual(120);

    expect(server.calls).toHaveLength(1);
    const call = server.calls[0]!;
    expect(call.method).toBe('POST');
    expect(call.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    // The trailing newline of the piped input is not part of the token.
    expect(Object.fromEntries(new URLSearchParams(call.body))).toEqual({ token: TOKEN, token_type_hint: 'access_token' });
    expect(call.headers.authorization).toBe(`Basic ${Buffer.from(`formgate-app:${secret}`).toString('base64')}`);
    expectTokenKept(ctx, r, secret);
  });

  it('introspection of a client-credentials token (no sub): names the client id and says it is a machine client', async (ctx) => {
    const { expect } = ctx;
    const exp = Math.floor(Date.now() / 1000) + 120;
    const server = await service(ctx, { status: 200, body: { active: true, client_id: 'reporting-job', scope: 'reports:read', token_type: 'Bearer', exp } });
    const r = await runCli(['check-auth', '--auth-url', server.url, '--auth-protocol', 'introspection', '--auth-client-id', 'formgate', '--auth-client-secret', 'cs-x', '--token', TOKEN]);

    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(field(r, 'identity'))).toEqual({ userId: 'reporting-job', groups: [], scopes: ['reports:read'] });
    expect(field(r, 'kind')).toMatch(/^client \(a machine client\b.*\bclient_id\)$/);
    expect(field(r, 'result')).toBe('OK');
    expectTokenKept(ctx, r, 'cs-x');
  });

  it('with --auth-health-url none skips the health check and still validates', async (ctx) => {
    const { expect } = ctx;
    const server = await service(ctx, { status: 200, body: { userId: 'u-1' } });
    const r = await runCli(['check-auth', '--auth-url', server.url, '--auth-health-url', 'none', '--token', TOKEN]);

    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(field(r, 'health')).toMatch(/^skipped\b/);
    expect(server.healthCalls).toHaveLength(0);
    expect(server.calls).toHaveLength(1);
    expect(field(r, 'result')).toBe('OK');
  });
});

describe.concurrent('formgate check-auth against a service that is not right', { timeout: 60_000 }, () => {
  it('a 200 whose userId is empty: exits 1 naming the field, and an echoed token stays out of the output', async (ctx) => {
    const { expect } = ctx;
    const server = await service(ctx, { status: 200, body: { userId: '', echo: `you sent ${TOKEN}`, token: TOKEN } });
    const r = await runCli(['check-auth', '--auth-url', server.url, '--token', TOKEN]);

    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain("The identity service didn't respond as expected at .userId: expected a non-empty string");
    expect(field(r, 'token')).toBe('CONTRACT VIOLATION, callers would get 502');
    // What the body looked like is shown to help the deployer; nothing it said is.
    expect(r.stdout).toMatch(/status 200, body \d+ bytes of application\/json, a JSON object with userId and 2 other members/);
    expect(field(r, 'result')).toBe('FAILED');
    expect(server.calls[0]!.token).toBe(TOKEN);
    expectTokenKept(ctx, r);
  });

  it('a token the service rejects: exits 1 saying callers get 401', async (ctx) => {
    const { expect } = ctx;
    const server = await service(ctx, { status: 401, body: { error: 'invalid_token' } });
    const r = await runCli(['check-auth', '--auth-url', server.url, '--token', TOKEN]);

    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(field(r, 'token')).toBe('REJECTED, the service answered 401: callers with this token get 401');
    expect(r.stdout).not.toMatch(/^identity:/m);
    expect(field(r, 'result')).toBe('FAILED');
    expectTokenKept(ctx, r);
  });

  it('a service that is down (closed port): exits 1 with UNAVAILABLE and the 503 callers would get', async (ctx) => {
    const { expect } = ctx;
    const url = `http://127.0.0.1:${await closedPort()}/validate`;
    const r = await runCli(['check-auth', '--auth-url', url, '--token', TOKEN]);

    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(field(r, 'health')).toMatch(/^FAIL\b/);
    expect(field(r, 'token')).toMatch(/^UNAVAILABLE, callers would get 503: the identity service could not be reached \(connection refused/);
    expect(field(r, 'result')).toBe('FAILED');
    expectTokenKept(ctx, r);
  });

  it('a failing health endpoint fails the check even though the token validates', async (ctx) => {
    const { expect } = ctx;
    const server = await service(ctx, { status: 200, body: { userId: 'u-5' } });
    server.answerHealth({ status: 503, body: { status: 'fail' } });
    const r = await runCli(['check-auth', '--auth-url', server.url, '--token', TOKEN]);

    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(field(r, 'health')).toMatch(/^FAIL, .*503/);
    expect(field(r, 'token')).toMatch(/^valid\b/);
    expect(JSON.parse(field(r, 'identity'))).toMatchObject({ userId: 'u-5' });
    expect(field(r, 'result')).toBe('FAILED');
    expect(server.healthCalls).toHaveLength(1);
  });
});

describe.concurrent('formgate check-auth usage mistakes exit 2 with one line', { timeout: 60_000 }, () => {
  const URL = 'http://127.0.0.1:1/validate';

  it('both --token and --token-stdin', async (ctx) => {
    const { expect } = ctx;
    const r = await runCli(['check-auth', '--auth-url', URL, '--token', TOKEN, '--token-stdin'], { input: `${TOKEN}\n` });
    expect(r.code).toBe(2);
    expect(stderrLines(r)).toHaveLength(1);
    expect(r.stderr).toContain('--token');
    expect(r.stderr).toContain('--token-stdin');
    expect(r.stderr).toMatch(/not both/);
    expect(r.stdout).toBe('');
    expectTokenKept(ctx, r);
  });

  it('no token at all names every way to give one', async ({ expect }) => {
    const r = await runCli(['check-auth', '--auth-url', URL]);
    expect(r.code).toBe(2);
    expect(stderrLines(r)).toHaveLength(1);
    for (const way of ['--token', 'FORMGATE_TOKEN', '--token-stdin']) expect(r.stderr).toContain(way);
    expect(r.stdout).toBe('');
  });

  it('--token-stdin with nothing piped in', async ({ expect }) => {
    const r = await runCli(['check-auth', '--auth-url', URL, '--token-stdin'], { input: '\n' });
    expect(r.code).toBe(2);
    expect(stderrLines(r)).toHaveLength(1);
    expect(r.stderr).toMatch(/no token from standard input/);
    expect(r.stdout).toBe('');
  });

  it('no --auth-url', async (ctx) => {
    const { expect } = ctx;
    const r = await runCli(['check-auth', '--token', TOKEN]);
    expect(r.code).toBe(2);
    expect(stderrLines(r)).toHaveLength(1);
    expect(r.stderr).toContain('--auth-url');
    expect(r.stderr).toContain('FORMGATE_AUTH_URL');
    expect(r.stdout).toBe('');
    expectTokenKept(ctx, r);
  });
});
