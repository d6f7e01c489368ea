import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, describe, it } from 'vitest';
import { parse } from 'yaml';
import { readDirectoryFile } from '../src/directory/file.ts';
import { loadOrCreateSigningKey } from '../src/keys.ts';
import { verifySecret } from '../src/passwords.ts';
import { BIN, childEnv, killAll, runCli, track, withTimeout } from './support/process.ts';
import { tempDir } from './support/temp.ts';

/**
 * The CLI as people run it: real processes in a scratch working directory, asserting on exit codes,
 * on what was printed where, and on what reached the disk. Each test owns its directory, so they run
 * concurrently.
 */

afterAll(killAll);

const PASSWORD = 'Correct-Horse-Battery-91';

describe.concurrent('users add', () => {
  it('stores an argon2id hash and never the password; refuses to overwrite without --force', async (ctx) => {
    const { expect } = ctx;
    const cwd = await tempDir(ctx);
    const add = await runCli(['users', 'add', 'alice', '--groups', 'staff,finance', '--display-name', 'Alice Example', '--email', 'alice@example.com', '--password-stdin'], {
      cwd,
      input: `${PASSWORD}\nthis second line is not read\n`,
    });
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toBe('');
    expect(add.stderr).toBe('added user alice (groups staff, finance) in .formgate/auth/users.yaml\n');

    const path = join(cwd, '.formgate', 'auth', 'users.yaml');
    const text = await readFile(path, 'utf8');
    expect(text).toContain('$argon2id$');
    expect(text).not.toContain(PASSWORD);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const directory = await readDirectoryFile(path);
    if (!directory.ok) throw new Error(directory.error.message);
    const alice = directory.value.users.alice!;
    expect(alice).toMatchObject({ displayName: 'Alice Example', email: 'alice@example.com', groups: ['staff', 'finance'] });
    expect(await verifySecret(alice.passwordHash, PASSWORD)).toBe(true);

    const again = await runCli(['users', 'add', 'alice', '--groups', '', '--password-stdin'], { cwd, input: 'Another-Password-1\n' });
    expect(again.code).toBe(2);
    expect(again.stderr).toBe('auth-service: a user named alice already exists; pass --force to replace it\n');
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  it('asks for a password it cannot read: no terminal and no --password-stdin is a usage error', async (ctx) => {
    const { expect } = ctx;
    const cwd = await tempDir(ctx);
    const result = await runCli(['users', 'add', 'bob', '--groups', ''], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('auth-service: no terminal to ask for the password on: pipe it in with --password-stdin\n');
    expect(existsSync(join(cwd, '.formgate', 'auth', 'users.yaml'))).toBe(false);
  });

  // util-linux `script` gives the command a real terminal, as a person typing would.
  it.runIf(existsSync('/usr/bin/script'))('on a terminal, asks twice without echoing what is typed, even when both lines arrive at once', async (ctx) => {
    const { expect } = ctx;
    const cwd = await tempDir(ctx);
    const command = `${process.execPath} ${BIN} users add carol --groups staff`;
    const child = track(spawn('/usr/bin/script', ['-q', '-e', '-c', command, '/dev/null'], { cwd, env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] }));
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const showing = (e: Error): never => {
      throw new Error(`${e.message}; the terminal showed ${JSON.stringify(output)}`);
    };
    const prompted = withTimeout(
      new Promise<void>((resolve) => {
        const check = () => output.includes('Password: ') && resolve();
        child.stdout!.on('data', check);
        check();
      }),
      20_000,
      'the first prompt',
    ).catch(showing);

    // Echo is off before the first prompt shows and stays off until the second line is read, so once
    // the prompt is seen both lines may be typed in one go, however slowly the command runs.
    await prompted;
    child.stdin!.write(`${PASSWORD}\r${PASSWORD}\r`);
    expect(await withTimeout(exited, 20_000, 'users add to exit').catch(showing)).toBe(0);

    expect(output).toContain('Password again: ');
    expect(output).toContain('added user carol (groups staff) in .formgate/auth/users.yaml');
    expect(output).not.toContain(PASSWORD);
    const text = await readFile(join(cwd, '.formgate', 'auth', 'users.yaml'), 'utf8');
    expect(text).toContain('$argon2id$');
    expect(text).not.toContain(PASSWORD);
  });
});

describe.concurrent('service accounts', () => {
  it('create prints the key once on stdout alone and stores only its hash; rotate adds a key and schedules the old one', async (ctx) => {
    const { expect } = ctx;
    const cwd = await tempDir(ctx);
    const path = join(cwd, 'data', 'accounts.yaml');
    // AUTH_USERS applies to the CLI as to serve, so both always mean the same file.
    const env = { AUTH_USERS: path };

    const created = await runCli(['service-accounts', 'create', 'importer', '--groups', 'importers'], { cwd, env });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^fgsa_[0-9a-f]{8}_[A-Za-z0-9_-]{43}\n$/);
    const firstKey = created.stdout.trim();
    expect(created.stderr).toContain('only its hash is kept');
    expect(created.stderr).not.toContain(firstKey);

    const afterCreate = await readFile(path, 'utf8');
    expect(afterCreate).toContain('$argon2id$');
    expect(afterCreate).not.toContain(firstKey);

    const before = Date.now();
    const rotated = await runCli(['service-accounts', 'rotate', 'importer', '--grace', '1h'], { cwd, env });
    expect(rotated.code, rotated.stderr).toBe(0);
    const secondKey = rotated.stdout.trim();
    expect(rotated.stdout).toBe(`${secondKey}\n`);
    expect(secondKey).not.toBe(firstKey);
    expect(rotated.stderr).toMatch(/older keys keep working until \S+Z \(1h\)/);

    const text = await readFile(path, 'utf8');
    expect(text).not.toContain(firstKey);
    expect(text).not.toContain(secondKey);
    const keys = (parse(text) as { serviceAccounts: { importer: { keys: { id: string; hash: string; expiresAt?: string }[] } } }).serviceAccounts.importer.keys;
    expect(keys.map((k) => k.id)).toEqual([firstKey.slice(5, 13), secondKey.slice(5, 13)]);
    expect(await verifySecret(keys[0]!.hash, firstKey)).toBe(true);
    expect(await verifySecret(keys[1]!.hash, secondKey)).toBe(true);
    // One hour after the rotation, which happened between `before` and now, rounded up to the second.
    const expiresAt = Date.parse(keys[0]!.expiresAt!);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(expiresAt).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000);
    expect(keys[1]).not.toHaveProperty('expiresAt');

    const duplicate = await runCli(['service-accounts', 'create', 'importer', '--groups', 'x'], { cwd, env });
    expect(duplicate.code).toBe(2);
    expect(duplicate.stdout).toBe('');
    expect(duplicate.stderr).toContain('a service account named importer already exists');
  });
});

describe.concurrent('token and usage errors', () => {
  it('token NAME signs with the key file (creating it, mode 0600) for the default issuer, and prints only the token', async (ctx) => {
    const { expect } = ctx;
    const cwd = await tempDir(ctx);
    const added = await runCli(['users', 'add', 'dev', '--groups', 'staff', '--password-stdin', '--users', 'dev-users.yaml'], { cwd, input: `${PASSWORD}\n` });
    expect(added.code, added.stderr).toBe(0);

    const result = await runCli(['token', 'dev', '--users', 'dev-users.yaml', '--key-file', 'keys/dev.json', '--ttl', '2h'], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(result.stderr).toContain('created the key file keys/dev.json');

    const keyPath = join(cwd, 'keys', 'dev.json');
    expect((await stat(keyPath)).mode & 0o777).toBe(0o600);
    const key = await loadOrCreateSigningKey(keyPath);
    if (!key.ok) throw new Error(key.error.message);
    const { payload, protectedHeader } = await jwtVerify(result.stdout.trim(), createLocalJWKSet({ keys: [key.value.key.publicJwk] }), {
      issuer: 'http://127.0.0.1:9000',
      audience: 'formgate',
    });
    expect(protectedHeader.kid).toBe(key.value.key.kid);
    expect(payload).toMatchObject({ sub: 'dev', groups: ['staff'] });
    expect(payload.exp! - payload.iat!).toBe(7200);
  });

  it('a bad serve flag is one line naming it, exit 2; an unknown name for token is exit 2', async (ctx) => {
    const { expect } = ctx;
    const cwd = await tempDir(ctx);
    const [badFlag, unknown] = await Promise.all([
      runCli(['serve', '--token-ttl', 'forever'], { cwd }),
      runCli(['token', 'nobody', '--users', 'users.yaml'], { cwd, env: { AUTH_USERS: undefined } }),
    ]);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toBe('auth-service: --token-ttl: expected a duration such as 30s, 15m, 2h or 7d, from 1s to 1d, got "forever" (flag --token-ttl or AUTH_TOKEN_TTL)\n');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('the users file users.yaml does not exist');
  });
});
