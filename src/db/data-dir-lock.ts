import { randomBytes } from 'node:crypto';
import { link, open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { err, ok, type Result } from '../result.ts';
import { pidExists, startTicksOf, thisProcess, type ProcessIdentity } from './process-identity.ts';

/**
 * One process at a time per embedded data directory: a lock file in it, created atomically (written to a
 * file of its own, then hard-linked into place, so nobody ever reads half of one), holding who holds it.
 *
 * Node cannot hold an advisory lock on a file, so a lock is judged by its holder instead. A holder whose
 * pid is gone, belongs to another process now (another start time), or ran before the last boot is dead,
 * and its lock is taken over. A holder in another pid namespace (another container on the same volume)
 * cannot be looked up; it is alive while it touches its lock, which it does from a thread of its own so
 * that a long query does not stop it. Two processes taking over the same dead lock at the same instant
 * could both win, as with PostgreSQL's postmaster.pid.
 */

export const LOCK_FILE = 'formgate.lock';
const HEARTBEAT_MS = 2_000;
// Several heartbeats long: a holder elsewhere that touched its lock within this is alive.
const HEARTBEAT_WATCH_MS = 7_000;
const ATTEMPTS = 5;

// The tokens of the locks this process holds: a lock with this process's pid is alive only if it is one of them.
const heldHere = new Set<string>();

export interface Holder extends ProcessIdentity {
  readonly host: string;
  readonly since: string;
  readonly token: string;
}

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file if it is still this process's. */
  release(): Promise<void>;
}

export type LockFailure =
  | { readonly kind: 'held'; readonly path: string; readonly holder: Holder; readonly elsewhere: boolean }
  | { readonly kind: 'io'; readonly path: string; readonly message: string };

export async function lockDataDir(dir: string): Promise<Result<DataDirLock, LockFailure>> {
  const path = join(dir, LOCK_FILE);
  const me: Holder = { ...(await thisProcess()), host: hostname(), since: new Date().toISOString(), token: randomBytes(8).toString('hex') };
  const text = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const placed = await place(path, text, me.token);
    if (!placed.ok) return err({ kind: 'io', path, message: placed.error });
    if (placed.value) return ok(holding(path, text, me.token));
    const seen = await readFile(path, 'utf8').catch(() => undefined);
    if (seen === undefined) continue; // released in the meantime
    const holder = parseHolder(seen);
    const verdict = holder === undefined ? 'dead' : await judge(holder, me);
    if (verdict === 'alive') return err({ kind: 'held', path, holder: holder!, elsewhere: false });
    if (verdict === 'elsewhere' && (await touchedWithin(path, HEARTBEAT_WATCH_MS))) {
      return err({ kind: 'held', path, holder: holder!, elsewhere: true });
    }
    // Only the lock that was judged: another newcomer may have replaced it meanwhile.
    if ((await readFile(path, 'utf8').catch(() => undefined)) === seen) await unlink(path).catch(() => {});
  }
  return err({ kind: 'io', path, message: `the lock file kept changing over ${ATTEMPTS} attempts to take it` });
}

/** One line for the operator, to follow the directory's name: held by which process, and what to do. */
export function describeLockFailure(failure: LockFailure): string {
  if (failure.kind === 'io') return `cannot take its lock ${failure.path}: ${failure.message}`;
  const { holder } = failure;
  const where = failure.elsewhere ? ` in another container or pid namespace on ${holder.host}` : holder.host === hostname() ? '' : ` on ${holder.host}`;
  return (
    `it is in use by process ${holder.pid}${where} (since ${holder.since}; lock file ${failure.path}); ` +
    'one process at a time may open an embedded database: stop that one first'
  );
}

/** false when a lock file is already there. */
async function place(path: string, text: string, token: string): Promise<Result<boolean, string>> {
  const draft = `${path}.${token}`;
  try {
    const file = await open(draft, 'wx', 0o600);
    try {
      await file.writeFile(text);
      await file.datasync();
    } finally {
      await file.close();
    }
    await link(draft, path);
    return ok(true);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return ok(false);
    return err((e as Error).message);
  } finally {
    await unlink(draft).catch(() => {});
  }
}

function parseHolder(text: string): Holder | undefined {
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    return Number.isSafeInteger(h.pid) && h.pid! > 0 && typeof h.host === 'string' && typeof h.since === 'string' ? (h as Holder) : undefined;
  } catch {
    return undefined; // not ours, or cut short by a power loss: nobody alive wrote it
  }
}

async function judge(holder: Holder, me: Holder): Promise<'alive' | 'dead' | 'elsewhere'> {
  // Another boot id is a lock from before the last reboot, or one held on another machine (a volume shared
  // between hosts): only the heartbeat can tell them apart.
  if (holder.bootId && me.bootId && holder.bootId !== me.bootId) return 'elsewhere';
  if (holder.pidNamespace && me.pidNamespace) {
    if (holder.pidNamespace !== me.pidNamespace) return 'elsewhere';
  } else if (holder.host !== me.host) {
    return 'elsewhere';
  }
  // Our own pid on a lock we do not hold is a dead predecessor's (a container's pid 1 after a restart, say).
  if (holder.pid === me.pid) return heldHere.has(holder.token) ? 'alive' : 'dead';
  if (!pidExists(holder.pid)) return 'dead';
  const ticks = holder.startTicks === undefined ? undefined : await startTicksOf(holder.pid);
  return ticks !== undefined && ticks !== holder.startTicks ? 'dead' : 'alive';
}

/** Whether the lock file's modification time moves (or the file goes away) within `ms`. */
async function touchedWithin(path: string, ms: number): Promise<boolean> {
  const first = await stat(path).catch(() => undefined);
  if (first === undefined) return false;
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    const now = await stat(path).catch(() => undefined);
    if (now === undefined) return false;
    if (now.mtimeMs !== first.mtimeMs || now.ino !== first.ino) return true;
  }
  return false;
}

function holding(path: string, text: string, token: string): DataDirLock {
  heldHere.add(token);
  const heartbeat = startHeartbeat(path);
  let released: Promise<void> | undefined;
  return {
    path,
    release: () =>
      (released ??= (async () => {
        await heartbeat.terminate();
        heldHere.delete(token);
        if ((await readFile(path, 'utf8').catch(() => undefined)) === text) await unlink(path).catch(() => {});
      })()),
  };
}

// A thread of its own: PGlite runs queries on the main thread, and a long one must not look like a death.
const HEARTBEAT_SOURCE = `
const { utimesSync } = require('node:fs');
const { workerData } = require('node:worker_threads');
setInterval(() => { try { const now = new Date(); utimesSync(workerData.path, now, now); } catch {} }, workerData.everyMs);
`;

function startHeartbeat(path: string): Worker {
  const worker = new Worker(HEARTBEAT_SOURCE, { eval: true, workerData: { path, everyMs: HEARTBEAT_MS } });
  worker.unref();
  return worker;
}
