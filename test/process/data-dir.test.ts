import { chmod, cp, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { openDatabase } from '../../src/db/connect.ts';
import { fetchWithin, killAll, runCli, startServe } from '../support/process.ts';

/**
 * A `file://` data directory as the operating system sees it: private to its owner on first start and
 * after reopening one with loose modes, and held by one process at a time (a second serve or migrate is
 * refused while the first keeps serving; a holder killed with SIGKILL does not block the next start).
 */

// The fixture's `notes` has no `access` block, so the anonymous caller may read back what it created.
const FLAGS = ['--port', '0', '--protect', 'none', '--log-level', 'info', '--forms', 'test/fixtures/forms.yaml'];
const NOTE = { title: 'Grace Hopper', body: 'Found the first bug', priority: 2 };
// Refusal is a lock file read and a pid looked up; the rest is the CLI's start on a busy 2-core machine.
const REFUSED_WITHIN_MS = 30_000;

const dirs: string[] = [];
let template: string;

// A new database (initdb) is the slow part of a first start, slower than a child's start timeout on a busy
// machine: it is made once here, by the same code serve runs, and each test starts on a copy.
beforeAll(async () => {
  template = await newDir();
  const database = await openDatabase({ kind: 'pglite-file', dir: template });
  await database.migrate();
  await database.close();
}, 180_000);

afterAll(async () => {
  await killAll();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function newDir(): Promise<string> {
  const parent = await mkdtemp(join(tmpdir(), 'formgate-data-dir-'));
  dirs.push(parent);
  return join(parent, 'data');
}

async function copyOfTemplate(): Promise<string> {
  const dir = await newDir();
  await cp(template, dir, { recursive: true });
  return dir;
}

/** Every path under `dir` (itself included) whose mode is not 0700 for a directory or 0600 for a file. */
async function notPrivate(dir: string): Promise<string[]> {
  const loose: string[] = [];
  const visit = async (path: string) => {
    const info = await stat(path);
    const mode = info.mode & 0o777;
    if (info.isDirectory()) {
      if (mode !== 0o700) loose.push(`${path} ${mode.toString(8)}`);
      for (const name of await readdir(path)) await visit(join(path, name));
    } else if (mode !== 0o600) loose.push(`${path} ${mode.toString(8)}`);
  };
  await visit(dir);
  return loose;
}

async function loosen(dir: string): Promise<void> {
  const info = await stat(dir);
  await chmod(dir, info.isDirectory() ? 0o777 : 0o666);
  if (info.isDirectory()) for (const name of await readdir(dir)) await loosen(join(dir, name));
}

async function create(url: string): Promise<Response> {
  return fetchWithin(`${url}/api/v1/forms/notes/documents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(NOTE),
  });
}

describe('a file:// data directory', { timeout: 180_000 }, () => {
  it('is private on first start, stays private while documents are written, and is tightened when reopened', async ({ expect, onTestFinished }) => {
    expect(await notPrivate(template)).toEqual([]);
    const dir = await copyOfTemplate();
    const args = [...FLAGS, '--database-url', `file://${dir}`];
    const first = await startServe(args);
    onTestFinished(() => first.kill());
    for (let i = 0; i < 5; i++) expect((await create(first.url)).status).toBe(201);
    expect(await notPrivate(dir)).toEqual([]);
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(existsSync(join(dir, 'formgate.lock'))).toBe(false);
    expect(await notPrivate(dir)).toEqual([]);

    // As if copied with `cp -r` under umask 0000, or created by an older Formgate.
    await loosen(dir);
    expect((await notPrivate(dir)).length).toBeGreaterThan(900);
    const second = await startServe(args);
    onTestFinished(() => second.kill());
    expect((await create(second.url)).status).toBe(201);
    expect(await notPrivate(dir)).toEqual([]);
    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('is refused to a second serve and a second migrate, naming the directory and the holder, while the first keeps serving', async ({ expect, onTestFinished }) => {
    const dir = await copyOfTemplate();
    const args = [...FLAGS, '--database-url', `file://${dir}`];
    const first = await startServe(args);
    onTestFinished(() => first.kill());
    const pid = first.child.pid!;

    const [serve, migrate] = await Promise.all([
      runCli(['serve', ...args], { timeoutMs: REFUSED_WITHIN_MS }),
      runCli(['migrate', '--database-url', `file://${dir}`], { timeoutMs: REFUSED_WITHIN_MS }),
    ]);
    for (const r of [serve, migrate]) {
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(dir);
      expect(lines[0]).toContain(`process ${pid}`);
      expect(r.stdout).not.toContain('Formgate listening');
    }

    expect((await fetchWithin(`${first.url}/health/live`)).status).toBe(200);
    expect((await create(first.url)).status).toBe(201);
    expect(JSON.parse(readFileSync(join(dir, 'formgate.lock'), 'utf8'))).toMatchObject({ pid });
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('is not blocked by the lock of a holder killed with SIGKILL', async ({ expect, onTestFinished }) => {
    const dir = await copyOfTemplate();
    const args = [...FLAGS, '--database-url', `file://${dir}`];
    const first = await startServe(args);
    onTestFinished(() => first.kill());
    const created = await create(first.url);
    expect(created.status).toBe(201);
    await first.kill();
    expect(existsSync(join(dir, 'formgate.lock'))).toBe(true);

    const second = await startServe(args);
    onTestFinished(() => second.kill());
    expect((await fetchWithin(`${second.url}${created.headers.get('location')}`)).status).toBe(200);
    expect(JSON.parse(readFileSync(join(dir, 'formgate.lock'), 'utf8'))).toMatchObject({ pid: second.child.pid });
    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(existsSync(join(dir, 'formgate.lock'))).toBe(false);
  });
});
