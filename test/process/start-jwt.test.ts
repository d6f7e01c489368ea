import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { childEnv, eventually, REPO_ROOT, START_TIMEOUT_MS, withTimeout } from '../support/process.ts';

/**
 * `npm start -- --auth-protocol jwt`: the launcher points Formgate at the example service's key set
 * (issuer and audience) instead of its /validate, and the example's tokens are checked with no call.
 */

let dir: string;
let launcher: ChildProcess;
let output = '';
let exit: Promise<number | null>;
let formgateUrl: string;
let authUrl: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'formgate-start-jwt-'));
  launcher = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'start-dev.js'), '--auth-protocol', 'jwt', '--log-level', 'info'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: childEnv({ AUTH_LOG_LEVEL: 'error', FORMGATE_PORT: '0', AUTH_PORT: '0', FORMGATE_DATABASE_URL: 'memory://' }),
  });
  launcher.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  launcher.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  exit = new Promise((resolve) => launcher.once('exit', (code) => resolve(code)));
  await eventually(() => (output.includes('Ctrl-C stops both') ? true : undefined), START_TIMEOUT_MS, 'the printed instructions').catch((e: Error) => {
    throw new Error(`${e.message}\n--- output ---\n${output}`);
  });
  formgateUrl = /Formgate is running at (http:\/\/\S+) /.exec(output)![1]!;
  authUrl = /identity service is at (http:\/\/\S+);/.exec(output)![1]!;
}, START_TIMEOUT_MS + 5000);

afterAll(async () => {
  if (launcher && launcher.exitCode === null) {
    process.kill(-launcher.pid!, 'SIGINT');
    await withTimeout(exit, 20_000, 'the launcher to exit').catch(() => process.kill(-launcher.pid!, 'SIGKILL'));
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm start -- --auth-protocol jwt', () => {
  test("starts Formgate on the example's issuer and audience, and accepts its tokens", async () => {
    const started = output.split('\n').find((l) => l.includes('Formgate listening on'));
    expect(started, output).toBeDefined();
    expect(started).toContain('"protocol":"jwt"');
    expect(started).not.toContain('/validate');

    const res = await fetch(`${authUrl}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'password', username: 'alice', password: 'alice-password' }) });
    const { access_token: token } = (await res.json()) as { access_token: string };
    const me = await fetch(`${formgateUrl}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { caller: { userId: string } }).caller.userId).toBe('alice');

    const health = (await (await fetch(`${formgateUrl}/health`)).json()) as { checks: Record<string, { status: string }[]> };
    expect(health.checks['jwks:age']?.[0]?.status).toBe('pass');
  });
});
