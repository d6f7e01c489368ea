import { chmod, lstat, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { err, ok, type Result } from '../result.ts';
import { describeLockFailure, lockDataDir, type DataDirLock } from './data-dir-lock.ts';

/**
 * The rules for an embedded (`file://`) data directory, as PostgreSQL has them for its own: one process at
 * a time, and nobody but the owner may read or write it (the directory 0700, every file in it 0600). A
 * directory made or copied with looser modes is tightened on open; one that cannot be (another user's) is
 * refused. Files PGlite creates later are kept private by ./private-fs.ts.
 */

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** Makes the directory if need be, takes its lock and makes its contents private. Errors are one line, to follow the directory's name. */
export async function openDataDir(dir: string): Promise<Result<DataDirLock, string>> {
  try {
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
  } catch (e) {
    // EEXIST: something that is not a directory is in the way, said just below.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return err(`cannot create it: ${(e as Error).message}`);
  }
  const info = await stat(dir);
  if (!info.isDirectory()) return err('it is not a directory');
  // The directory first: once it is 0700 nobody else can reach what is in it, whatever the files' modes.
  const own = await tighten(dir, info.mode, DIR_MODE);
  if (!own.ok) return own;
  const lock = await lockDataDir(dir);
  if (!lock.ok) return err(describeLockFailure(lock.error));
  const contents = await makePrivate(dir);
  if (!contents.ok) {
    await lock.value.release();
    return contents;
  }
  return lock;
}

/**
 * Sets every directory under `dir` to 0700 and every file to 0600; returns how many needed it. Symbolic
 * links are left alone and not followed: a link must not turn this into a chmod of a file outside.
 */
export async function makePrivate(dir: string): Promise<Result<number, string>> {
  let changed = 0;
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch (e) {
      return err(`cannot read ${current}: ${(e as Error).message}`);
    }
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (!entry.isDirectory() && !entry.isFile()) continue;
      const info = await lstat(path).catch(() => undefined);
      if (info === undefined) continue; // removed meanwhile
      const result = await tighten(path, info.mode, entry.isDirectory() ? DIR_MODE : FILE_MODE);
      if (!result.ok) return result;
      if (result.value) changed++;
      if (entry.isDirectory()) pending.push(path);
    }
  }
  return ok(changed);
}

async function tighten(path: string, mode: number, wanted: number): Promise<Result<boolean, string>> {
  if ((mode & 0o777) === wanted) return ok(false);
  try {
    await chmod(path, wanted);
    return ok(true);
  } catch (e) {
    const owner = await stat(path).then((s) => s.uid).catch(() => undefined);
    const whose = owner === undefined || owner === process.getuid?.() ? '' : ` (it belongs to uid ${owner}, this process runs as uid ${process.getuid?.()})`;
    return err(`${path} is mode ${(mode & 0o777).toString(8).padStart(4, '0')} and cannot be made ${wanted.toString(8).padStart(4, '0')}${whose}: ${(e as Error).message}`);
  }
}
