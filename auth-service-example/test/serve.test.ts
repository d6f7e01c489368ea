import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { EXAMPLE_USERS, fetchWithin, killAll, runCli, startServe } from './support/process.ts';
import { tempDir } from './support/temp.ts';

/**
 * `auth-service serve` as a process: startup, the key file across restarts, the users file followed
 * while running, clean shutdown, and the exit codes of startup mistakes.
 */

afterAll(killAll);

async function passwordGrant(url: string, username: string, password: string): Promise<Response> {
  return fetchWithin(`${url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username, password }).toString(),
  });
}

async function validate(url: string, token: string): Promise<Response> {
  return fetchWithin(`${url}/validate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
}

describe.concurrent('serve', () => {
  it('keeps its key across restarts (mode 0600), so tokens outlive the process; SIGTERM exits 0', async (ctx) => {
    const { expect } = ctx;
    const cwd = await tempDir(ctx);
    const keyFile = join(cwd, 'state', 'keys', 'signing-key.json');
    const env = { AUTH_USERS: EXAMPLE_USERS, AUTH_KEY_FILE: keyFile, AUTH_ISSUER: 'http://auth.local:9000' };

    const first = await startServe(['--port', '0'], { cwd, env });
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.listening).toMatchObject({ issuer: 'http://auth.local:9000', userCount: 2, serviceAccountCount: 1, tokenTtl: '15m' });
    expect(first.logs.find((l) => l.msg === 'created a new signing key')).toMatchObject({ kid: first.listening.kid });
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const keyText = await readFile(keyFile, 'utf8');

    const granted = await passwordGrant(first.url, 'alice', 'alice-password');
    expect(granted.status).toBe(200);
    const { access_token: token } = (await granted.json()) as { access_token: string };
    expect(await first.stop()).toEqual({ code: 0, signal: null });
    // The last lines, in order and complete although the process exits right after writing them.
    expect(first.logs.map((l) => l.msg).slice(-3)).toEqual(['signal received', 'shutting down: finishing in-flight requests', 'stopped']);

    const second = await startServe(['--port', '0'], { cwd, env });
    expect(second.listening.kid).toBe(first.listening.kid);
    expect(second.logs.some((l) => l.msg === 'created a new signing key')).toBe(false);
    expect(await readFile(keyFile, 'utf8')).toBe(keyText);
    const answer = await validate(second.url, token);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ userId: 'alice', groups: ['staff', 'finance', 'admin'] });
    expect(await second.stop('SIGINT')).toEqual({ code: 0, signal: null });

    // Nothing secret in anything either process wrote.
    for (const output of [first.stdout(), second.stdout(), first.stderr(), second.stderr()]) {
      expect(output).not.toContain(token);
      expect(output).not.toContain('alice-password');
    }
  });

  it('applies users added by the CLI while it runs, without a restart', async (ctx) => {
    const { expect } = ctx;
    const cwd = await tempDir(ctx);
    await mkdir(join(cwd, '.formgate', 'auth'), { recursive: true });
    await copyFile(EXAMPLE_USERS, join(cwd, '.formgate', 'auth', 'users.yaml'));
    const service = await startServe(['--port', '0'], { cwd });
    try {
      expect((await passwordGrant(service.url, 'erin', 'Erin-Password-77')).status).toBe(400);
      const added = await runCli(['users', 'add', 'erin', '--groups', 'reviewers', '--password-stdin'], { cwd, input: 'Erin-Password-77\n' });
      expect(added.code, added.stderr).toBe(0);

      const granted = await passwordGrant(service.url, 'erin', 'Erin-Password-77');
      expect(granted.status).toBe(200);
      const { access_token: token } = (await granted.json()) as { access_token: string };
      expect(await (await validate(service.url, token)).json()).toMatchObject({ userId: 'erin', groups: ['reviewers'] });
      expect(service.logs.find((l) => l.msg === 'users file re-read')).toMatchObject({ userCount: 3 });
      // The example's comments survive the CLI's edit.
      expect(await readFile(join(cwd, '.formgate', 'auth', 'users.yaml'), 'utf8')).toContain('# DEVELOPMENT CREDENTIALS ONLY.');
    } finally {
      expect(await service.stop()).toEqual({ code: 0, signal: null });
    }
  });

  it('refuses to start, exit 2, without a users file, saying how to make one', async (ctx) => {
    const { expect } = ctx;
    const cwd = await tempDir(ctx);
    const result = await runCli(['serve', '--port', '0'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'auth-service: the users file .formgate/auth/users.yaml does not exist; create it with "auth-service users add NAME --groups GROUP,... --users .formgate/auth/users.yaml", ' +
        'or start with --users users.example.yaml for the development users (see the README)\n',
    );
  });

  it('refuses to start, exit 2, with an invalid users file, naming the file and the field', async (ctx) => {
    const { expect } = ctx;
    const cwd = await tempDir(ctx);
    await mkdir(join(cwd, '.formgate', 'auth'), { recursive: true });
    await writeFile(join(cwd, '.formgate', 'auth', 'users.yaml'), 'users:\n  alice:\n    passwordHash: plain-text-password\n');
    const result = await runCli(['serve', '--port', '0'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^auth-service: the users file \.formgate\/auth\/users\.yaml is not valid: at users\.alice\.passwordHash: expected an argon2id hash/);
    expect(result.stderr).not.toContain('plain-text-password');
  });

  it('refuses to start, exit 2, with a corrupt key file, and does not replace it', async (ctx) => {
    const { expect } = ctx;
    const cwd = await tempDir(ctx);
    await mkdir(join(cwd, '.formgate', 'auth'), { recursive: true });
    await writeFile(join(cwd, '.formgate', 'auth', 'signing-key.json'), '{"kty":"OKP","crv":"Ed25519"');
    const result = await runCli(['serve', '--port', '0', '--users', EXAMPLE_USERS], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^auth-service: the signing key file \.formgate\/auth\/signing-key\.json is not usable \(not JSON\)/);
    expect(await readFile(join(cwd, '.formgate', 'auth', 'signing-key.json'), 'utf8')).toBe('{"kty":"OKP","crv":"Ed25519"');
  });
});
