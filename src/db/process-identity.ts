import { readFile, readlink } from 'node:fs/promises';

/**
 * What tells one process apart from a later one that got the same pid: its start time (clock ticks since
 * boot, from /proc/PID/stat), the boot it runs in, and the pid namespace (container) its pid belongs to.
 * Each is undefined where /proc does not say (not Linux, or /proc not mounted); callers then know less.
 */

export interface ProcessIdentity {
  readonly pid: number;
  readonly startTicks?: string;
  readonly bootId?: string;
  readonly pidNamespace?: string;
}

export async function thisProcess(): Promise<ProcessIdentity> {
  const [startTicks, bootId, pidNamespace] = await Promise.all([startTicksOf(process.pid), currentBootId(), currentPidNamespace()]);
  return { pid: process.pid, ...defined({ startTicks, bootId, pidNamespace }) };
}

/** Field 22 of /proc/PID/stat. The command name (field 2) may hold spaces and parentheses, so count from its last `)`. */
export async function startTicksOf(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = fields[22 - 3];
  return ticks !== undefined && /^\d+$/.test(ticks) ? ticks : undefined;
}

/** Whether a process with this pid exists now (in this process's pid namespace). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function currentBootId(): Promise<string | undefined> {
  const id = await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => undefined);
  return id?.trim() || undefined;
}

async function currentPidNamespace(): Promise<string | undefined> {
  return readlink('/proc/self/ns/pid').catch(() => undefined);
}

function defined<T extends Record<string, string | undefined>>(o: T): Partial<Record<keyof T, string>> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<Record<keyof T, string>>;
}
