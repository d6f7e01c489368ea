import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { startOidcProvider } from '../support/oidc-provider.ts';
import { Browser } from '../support/web.ts';
import { fetchWithin, runCli, startServe } from '../support/process.ts';

// The web client's flags as the operator meets them: in --help with their twins, and the rules as exit 2
// with one line naming the fix (a real process: the exit code and the stderr line are the contract).
describe.concurrent('formgate serve: the web client flags', { timeout: 60_000 }, () => {
  it('serve --help lists them with their environment twins', async ({ expect }) => {
    const r = await runCli(['serve', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['ui', 'ui-issuer', 'ui-client-id', 'ui-client-secret', 'ui-client-secret-file', 'ui-public-url', 'ui-session-secret', 'ui-session-secret-file']) {
      expect(r.stdout).toContain(`--${flag}`);
      expect(r.stdout).toContain(`FORMGATE_${flag.toUpperCase().replace(/-/g, '_')}`);
    }
    expect(r.stdout).toContain('Web client:');
  });

  for (const [args, fix] of [
    [['--ui-issuer', 'https://id.example'], '--ui-client-id'],
    [['--ui-issuer', 'https://id.example', '--ui-client-id', 'web', '--ui-client-secret', 'cs-hidden-4711'], '--ui-session-secret'],
    [['--ui-issuer', 'http://id.example', '--ui-client-id', 'web', '--ui-client-secret', 'cs-hidden-4711'], 'loopback'],
    [['--ui-issuer', 'https://id.example', '--ui-client-id', 'web', '--ui-client-secret', 'cs-hidden-4711', '--ui-client-secret-file', 'f'], 'not both'],
  ] as const) {
    it(`${args.join(' ')} exits 2 naming ${fix}`, async ({ expect }) => {
      const r = await runCli(['serve', '--port', '0', '--protect', 'none', '--database-url', 'memory://', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(fix);
      expect(r.stderr).not.toContain('cs-hidden-4711');
    });
  }
});

describe.concurrent('formgate serve: the web client on and off', { timeout: 60_000 }, () => {
  it('serves the web client at / by default (port 0 in its public URL resolved) and says so at startup', async ({ expect }) => {
    const server = await startServe(['--port', '0', '--protect', 'none', '--database-url', 'memory://']);
    try {
      const line = server.logs.find((l) => /listening/.test(l.msg))!;
      expect(line.web).toEqual({ publicUrl: server.url, api: 'in this process', forms: 'all', signIn: 'none' });
      const res = await fetchWithin(`${server.url}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(await res.text()).toContain('Sign-in is not set up on this server');
    } finally {
      await server.stop();
    }
  });

  it('--no-ui serves the API alone', async ({ expect }) => {
    const server = await startServe(['--port', '0', '--protect', 'none', '--database-url', 'memory://', '--no-ui']);
    try {
      expect(server.logs.find((l) => /listening/.test(l.msg))!.web).toBe('off');
      const res = await fetchWithin(`${server.url}/`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      expect((await fetchWithin(`${server.url}/api/v1/forms`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

describe('formgate serve: sign-in with secrets from files', { timeout: 60_000 }, () => {
  it('refuses a session secret file with a short secret (exit 2, one line)', async ({ expect }) => {
    const dir = await mkdtemp(join(tmpdir(), 'formgate-web-'));
    try {
      await writeFile(join(dir, 'session'), 'too-short-4711\n');
      const r = await runCli(['serve', '--port', '0', '--protect', 'none', '--database-url', 'memory://', '--ui-session-secret-file', join(dir, 'session')]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('at least 32 characters');
      expect(r.stderr).not.toContain('too-short-4711');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('signs in against the provider, reading the client secret file at each token request (rotation without restart)', async ({ expect }) => {
    const dir = await mkdtemp(join(tmpdir(), 'formgate-web-'));
    const provider = await startOidcProvider();
    const secretFile = join(dir, 'client-secret');
    await writeFile(join(dir, 'session'), `# the first seals\n${'s'.repeat(40)}\n${'o'.repeat(40)}\n`);
    await writeFile(secretFile, `${provider.clientSecret}\n`);
    const server = await startServe([
      '--port', '0', '--protect', 'none', '--database-url', 'memory://',
      '--ui-issuer', provider.issuer, '--ui-client-id', provider.clientId,
      '--ui-client-secret-file', secretFile, '--ui-session-secret-file', join(dir, 'session'),
    ]);
    try {
      expect(server.logs.find((l) => /listening/.test(l.msg))!.web).toEqual({ publicUrl: server.url, api: 'in this process', forms: 'all', signIn: { issuer: provider.issuer, clientId: provider.clientId } });
      const first = await new Browser(server.url).go(`${server.url}/auth/sign-in`);
      expect(first.body).toContain('Signed in as Alice Example');
      provider.clientSecret = 'rotated-secret-4711';
      await writeFile(secretFile, 'rotated-secret-4711\n');
      const second = await new Browser(server.url).go(`${server.url}/auth/sign-in`);
      expect(second.body).toContain('Signed in as Alice Example');
      expect(server.stdout() + server.stderr()).not.toContain('rotated-secret-4711');
    } finally {
      await server.stop();
      await provider.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
