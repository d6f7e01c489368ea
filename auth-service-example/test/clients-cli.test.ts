import { mkdir, copyFile, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { parse } from 'yaml';
import { verifySecret } from '../src/passwords.ts';
import { EXAMPLE_USERS, fetchWithin, killAll, runCli, startServe } from './support/process.ts';
import { tempDir } from './support/temp.ts';

/** `auth-service clients …` as real processes, and a rotation's grace period seen by a running server. */

afterAll(killAll);

// Each test runs several CLI processes, each a tsx start: slow on a busy machine.
// Exactly what Formgate's `npm start` runs when it has no stored secret for its web client.
const LAUNCHER_ARGS = ['clients', 'create', 'formgate-web', '--redirect-uri', 'http://127.0.0.1:8080/auth/callback', '--post-logout-redirect-uri', 'http://127.0.0.1:8080/', '--force'];
const SECRET_LINE = /^fgcs_[0-9a-f]{8}_[A-Za-z0-9_-]{43}\n$/;

interface ClientEntry {
  secrets: { id: string; hash: string; createdAt: string; expiresAt?: string }[];
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
}
const clientsIn = async (path: string) => (parse(await readFile(path, 'utf8')) as { clients?: Record<string, ClientEntry> }).clients ?? {};

describe.concurrent('clients', () => {
  it('create (as npm start runs it) prints the secret alone on stdout, stores its hash, and --force replaces the client', { timeout: 120_000 }, async (ctx) => {
    const { expect } = ctx;
    const cwd = await tempDir(ctx);
    const path = join(cwd, '.formgate', 'auth', 'users.yaml');
    const first = await runCli(LAUNCHER_ARGS, { cwd });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(SECRET_LINE);
    const secret = first.stdout.trim();
    expect(first.stderr).toBe('created client formgate-web in .formgate/auth/users.yaml; its secret is shown once, above: store it now, only its hash is kept\n');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain(secret);
    const client = (await clientsIn(path))['formgate-web']!;
    expect(client).toMatchObject({ redirectUris: ['http://127.0.0.1:8080/auth/callback'], postLogoutRedirectUris: ['http://127.0.0.1:8080/'] });
    expect(await verifySecret(client.secrets[0]!.hash, secret)).toBe(true);

    const refused = await runCli(LAUNCHER_ARGS.filter((a) => a !== '--force'), { cwd });
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('a client named formgate-web already exists; pass --force');

    const replaced = await runCli(LAUNCHER_ARGS, { cwd });
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout).toMatch(SECRET_LINE);
    expect(replaced.stderr).toMatch(/^replaced client formgate-web/);
    const after = (await clientsIn(path))['formgate-web']!;
    expect(after.secrets).toHaveLength(1);
    expect(await verifySecret(after.secrets[0]!.hash, secret)).toBe(false);
  });

  it('list shows names and redirect URIs but no secret; remove takes the client out; mistakes are exit 2', { timeout: 120_000 }, async (ctx) => {
    const { expect } = ctx;
    const cwd = await tempDir(ctx);
    const env = { AUTH_USERS: join(cwd, 'dir.yaml') };
    const created = await runCli(['clients', 'create', 'web', '--redirect-uri', 'http://127.0.0.1:1/a', '--redirect-uri', 'http://127.0.0.1:1/b'], { cwd, env });
    expect(created.code, created.stderr).toBe(0);
    const listed = await runCli(['clients', 'list'], { cwd, env });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toBe('web  1 live secret  redirect http://127.0.0.1:1/a http://127.0.0.1:1/b\n');
    expect(listed.stdout + listed.stderr).not.toContain(created.stdout.trim());
    expect(listed.stderr).toContain('1 client in');

    const badUri = await runCli(['clients', 'create', 'other', '--redirect-uri', 'not a uri'], { cwd, env });
    expect(badUri.code).toBe(2);
    expect(badUri.stderr).toContain('is not an absolute http:// or https:// URI');
    const noUri = await runCli(['clients', 'create', 'other'], { cwd, env });
    expect(noUri.code).toBe(2);

    const removed = await runCli(['clients', 'remove', 'web'], { cwd, env });
    expect(removed.code, removed.stderr).toBe(0);
    expect(await clientsIn(env.AUTH_USERS)).toEqual({});
    const again = await runCli(['clients', 'remove', 'web'], { cwd, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('there is no client named web');
    const rotateNone = await runCli(['clients', 'rotate', 'web', '--grace', '1h'], { cwd, env });
    expect(rotateNone.code).toBe(2);
  });

  it('rotate --grace: a running server takes the old secret until the grace ends, then only the new one', { timeout: 120_000 }, async (ctx) => {
    const { expect } = ctx;
    const cwd = await tempDir(ctx);
    const path = join(cwd, '.formgate', 'auth', 'users.yaml');
    await mkdir(join(cwd, '.formgate', 'auth'), { recursive: true });
    await copyFile(EXAMPLE_USERS, path);
    const oldSecret = (await runCli(LAUNCHER_ARGS, { cwd })).stdout.trim();
    const service = await startServe(['--port', '0'], { cwd });
    // Client authentication is checked before the code: a good secret gets invalid_grant, a bad one invalid_client.
    const probe = async (secret: string) => {
      const response = await fetchWithin(`${service.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: 'none', redirect_uri: 'http://127.0.0.1:8080/auth/callback', code_verifier: 'v'.repeat(43), client_id: 'formgate-web', client_secret: secret }).toString(),
      });
      return ((await response.json()) as { error: string }).error;
    };
    try {
      expect(await probe(oldSecret)).toBe('invalid_grant');
      // Long enough to outlast a slow CLI start on a busy machine; the check below makes sure it did.
      const rotated = await runCli(['clients', 'rotate', 'formgate-web', '--grace', '8s'], { cwd });
      expect(rotated.code, rotated.stderr).toBe(0);
      expect(rotated.stdout).toMatch(SECRET_LINE);
      expect(rotated.stderr).toMatch(/older secrets keep working until \S+Z \(8s\)/);
      const newSecret = rotated.stdout.trim();
      const deadline = Date.parse((await clientsIn(path))['formgate-web']!.secrets[0]!.expiresAt!);

      const inside = await probe(oldSecret);
      expect(Date.now()).toBeLessThan(deadline);
      expect(inside).toBe('invalid_grant');
      expect(await probe(newSecret)).toBe('invalid_grant');

      await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now()) + 200));
      expect(await probe(oldSecret)).toBe('invalid_client');
      expect(await probe(newSecret)).toBe('invalid_grant');

      // The next edit drops the expired hash from the file.
      expect((await runCli(['clients', 'rotate', 'formgate-web', '--grace', '1h'], { cwd })).code).toBe(0);
      expect((await clientsIn(path))['formgate-web']!.secrets).toHaveLength(2);
    } finally {
      expect(await service.stop()).toEqual({ code: 0, signal: null });
    }
  });
});
