import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, it } from 'vitest';
import { openDatabase } from '../../src/db/connect.ts';
import { LOCK_FILE, lockDataDir } from '../../src/db/data-dir-lock.ts';
import { makePrivate, openDataDir } from '../../src/db/data-dir.ts';
import { startTicksOf, thisProcess } from '../../src/db/process-identity.ts';

/**
 * The data directory's rules in this process: which lock files count as held (a live holder, this
 * process's own) and which are taken over (a dead pid, a reused pid, an earlier boot, a file nobody alive
 * wrote, a holder elsewhere that stopped touching it); and files PGlite creates after it started are 0600.
 */

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'formgate-lock-'));
  dirs.push(dir);
  return dir;
}

/** The pid of a process that has exited (and been reaped), so nothing runs under it for now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

async function plant(dir: string, holder: Record<string, unknown>): Promise<void> {
  await writeFile(join(dir, LOCK_FILE), JSON.stringify({ host: hostname(), since: '2026-01-01T00:00:00.000Z', token: 'planted', ...holder }));
}

describe('the data directory lock', { timeout: 30_000 }, () => {
  it('is refused a second time in this process, and free again once released', async ({ expect }) => {
    const dir = await tempDir();
    const first = await lockDataDir(dir);
    expect(first.ok).toBe(true);
    const second = await lockDataDir(dir);
    expect(second).toMatchObject({ ok: false, error: { kind: 'held', holder: { pid: process.pid } } });
    if (first.ok) await first.value.release();
    const third = await lockDataDir(dir);
    expect(third.ok).toBe(true);
    if (third.ok) await third.value.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('is refused while a live process holds it', async ({ expect }) => {
    const dir = await tempDir();
    const me = await thisProcess();
    // The parent of this test process is alive for as long as the test runs.
    await plant(dir, { pid: process.ppid, startTicks: await startTicksOf(process.ppid), bootId: me.bootId, pidNamespace: me.pidNamespace });
    expect(await lockDataDir(dir)).toMatchObject({ ok: false, error: { kind: 'held', elsewhere: false, holder: { pid: process.ppid } } });
  });

  const stale: [string, (me: Awaited<ReturnType<typeof thisProcess>>) => Promise<Record<string, unknown>>][] = [
    ['a pid that is gone', async (me) => ({ pid: await deadPid(), bootId: me.bootId, pidNamespace: me.pidNamespace })],
    ['a pid that now belongs to a later process', async (me) => ({ pid: process.ppid, startTicks: '1', bootId: me.bootId, pidNamespace: me.pidNamespace })],
    ['a holder from an earlier boot', async (me) => ({ pid: process.ppid, bootId: 'an-earlier-boot', pidNamespace: me.pidNamespace })],
    ["this process's own pid on a lock it does not hold", async (me) => ({ pid: process.pid, bootId: me.bootId, pidNamespace: me.pidNamespace })],
  ];
  for (const [name, holder] of stale) {
    it(`is taken over from ${name}`, async ({ expect }) => {
      const dir = await tempDir();
      await plant(dir, await holder(await thisProcess()));
      const lock = await lockDataDir(dir);
      expect(lock.ok).toBe(true);
      expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
      if (lock.ok) await lock.value.release();
    });
  }

  it('is taken over from a file nobody alive wrote (empty after a power loss)', async ({ expect }) => {
    const dir = await tempDir();
    await writeFile(join(dir, LOCK_FILE), '');
    const lock = await lockDataDir(dir);
    expect(lock.ok).toBe(true);
    if (lock.ok) await lock.value.release();
  });

  it('held on another machine (another boot id, a shared volume): refused while touched, taken over once it is not', async ({ expect }) => {
    const dir = await tempDir();
    await plant(dir, { pid: 1, bootId: 'another-machines-boot-id', host: 'node-b' });
    const path = join(dir, LOCK_FILE);
    const beat = setInterval(() => void utimes(path, new Date(), new Date()).catch(() => {}), 500);
    try {
      expect(await lockDataDir(dir)).toMatchObject({ ok: false, error: { kind: 'held', elsewhere: true, holder: { pid: 1, host: 'node-b' } } });
    } finally {
      clearInterval(beat);
    }
    const lock = await lockDataDir(dir);
    expect(lock.ok).toBe(true);
    if (lock.ok) await lock.value.release();
  });

  it('held in another pid namespace: refused while touched, taken over once it is not', async ({ expect }) => {
    const dir = await tempDir();
    const me = await thisProcess();
    await plant(dir, { pid: 1, bootId: me.bootId, pidNamespace: 'pid:[1]' });
    const path = join(dir, LOCK_FILE);
    const beat = setInterval(() => void utimes(path, new Date(), new Date()).catch(() => {}), 500);
    try {
      expect(await lockDataDir(dir)).toMatchObject({ ok: false, error: { kind: 'held', elsewhere: true, holder: { pid: 1 } } });
    } finally {
      clearInterval(beat);
    }
    const lock = await lockDataDir(dir);
    expect(lock.ok).toBe(true);
    if (lock.ok) await lock.value.release();
  });
});

describe('a private data directory', { timeout: 60_000 }, () => {
  it('tightens loose modes, and refuses a file in the directory\'s place', async ({ expect }) => {
    const dir = join(await tempDir(), 'data');
    await mkdir(join(dir, 'base'), { recursive: true, mode: 0o777 });
    await writeFile(join(dir, 'base', 'f'), 'x', { mode: 0o666 });
    await chmod(dir, 0o777);
    const opened = await openDataDir(dir);
    expect(opened.ok).toBe(true);
    if (opened.ok) await opened.value.release();
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'base'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'base', 'f'))).mode & 0o777).toBe(0o600);
    expect(await makePrivate(dir)).toEqual({ ok: true, value: 0 });
    // A file where the directory should be cannot be made a data directory.
    await writeFile(join(dir, 'file'), '');
    expect(await openDataDir(join(dir, 'file'))).toEqual({ ok: false, error: 'it is not a directory' });
  });

  it('keeps files PGlite creates after it started at 0600', async ({ expect }) => {
    const dir = join(await tempDir(), 'data');
    const database = await openDatabase({ kind: 'pglite-file', dir });
    try {
      await database.db.execute(sql`create table later (x text)`);
      await database.db.execute(sql`insert into later select repeat('x', 1000) from generate_series(1, 2000)`);
      await database.db.execute(sql`create index later_x on later (x)`);
      await database.db.execute(sql`vacuum later`);
      await database.db.execute(sql`checkpoint`);
    } finally {
      await database.close();
    }
    const loose: string[] = [];
    const visit = async (path: string): Promise<void> => {
      const info = await stat(path);
      const mode = info.mode & 0o777;
      if (mode !== (info.isDirectory() ? 0o700 : 0o600)) loose.push(`${path} ${mode.toString(8)}`);
      if (info.isDirectory()) for (const name of await readdir(path)) await visit(join(path, name));
    };
    await visit(dir);
    expect(loose).toEqual([]);
    expect(await readdir(dir)).not.toContain(LOCK_FILE);
  });
});
