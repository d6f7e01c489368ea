import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { readDirectoryFile } from './file.ts';
import type { Directory } from './schema.ts';

/**
 * What the app asks for the directory. The server's one follows the file; tests may hand in a fixed one.
 */
export interface DirectorySource {
  /** The directory as of now. */
  current(): Promise<Directory>;
  /** Whether the file could be read last time it was looked at; for /healthz. */
  health(): Promise<DirectoryHealth>;
}

export interface DirectoryHealth {
  readonly ok: boolean;
  /** Why the file could not be used, when it could not; the last good directory is still served. */
  readonly problem?: string;
}

export function fixedDirectory(directory: Directory): DirectorySource {
  return { current: async () => directory, health: async () => ({ ok: true }) };
}

/**
 * The directory file, re-read whenever it changes, so CLI edits apply without a restart. "Changes" is
 * judged by inode, size and mtime together: the CLI replaces the file by rename (a new inode), and an
 * editor saving in place changes the mtime. A file that has become unreadable or invalid is logged once
 * per change, and the last good directory stays in use.
 */
export function liveDirectory(path: string, initial: Directory, initialVersion: string, logger: Logger): DirectorySource {
  let good = initial;
  let seenVersion = initialVersion;
  let problem: string | undefined;
  let refreshing: Promise<void> | undefined;

  async function refresh(): Promise<void> {
    const version = await fileVersion(path);
    if (!version.ok) {
      report(version.problem, version.problem);
      return;
    }
    if (version.value === seenVersion) return;
    const read = await readDirectoryFile(path);
    if (!read.ok) {
      report(version.value, read.error.message);
      return;
    }
    seenVersion = version.value;
    good = read.value;
    if (problem !== undefined) logger.info({ users: path }, 'users file readable again');
    problem = undefined;
    logger.info({ users: path, userCount: Object.keys(good.users).length, serviceAccountCount: Object.keys(good.serviceAccounts).length }, 'users file re-read');
  }

  function report(version: string, message: string): void {
    if (version === seenVersion && problem === message) return;
    seenVersion = version;
    problem = message;
    logger.error({ users: path, problem: message }, 'users file unusable; still serving the last good version');
  }

  // Requests arriving together share one stat (and one re-read when the file changed).
  const refreshed = () =>
    (refreshing ??= refresh().finally(() => {
      refreshing = undefined;
    }));

  return {
    async current() {
      await refreshed();
      return good;
    },
    async health() {
      await refreshed();
      return problem === undefined ? { ok: true } : { ok: false, problem };
    },
  };
}

/** A fingerprint of the file's current version, or why it cannot be looked at. */
export async function fileVersion(path: string): Promise<{ ok: true; value: string } | { ok: false; problem: string }> {
  try {
    const s = await stat(path, { bigint: true });
    return { ok: true, value: `${s.ino}:${s.size}:${s.mtimeNs}` };
  } catch (e) {
    return { ok: false, problem: `cannot read the users file ${path}: ${(e as Error).message}` };
  }
}
