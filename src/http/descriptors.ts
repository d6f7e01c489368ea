import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { refusalRoom } from './connections.ts';

/**
 * Whether the process may open as many file descriptors as `--max-connections` lets clients take. Past
 * the limit, new clients hang or are reset before the cap can answer them, so a cap above it protects
 * nothing. Node raises its soft limit to the hard one at startup, so the soft limit it reports is the
 * one that counts.
 */

/**
 * Descriptors Formgate needs besides client connections: the PostgreSQL pool (10), the identity
 * service's connections, PGlite's files, stdio and Node's own. A generous round figure, not a count.
 */
export const OTHER_DESCRIPTORS = 200;

/** The soft "Max open files" of a `/proc/<pid>/limits` text; `undefined` when unlimited or absent. */
export function openFilesLimit(limits: string): number | undefined {
  const m = /^Max open files\s+(\d+)\s/m.exec(limits);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** The warning to log when `maxConnections` could take more descriptors than `limit` allows, else undefined. */
export function descriptorShortfall(maxConnections: number, limit: number): string | undefined {
  const needed = maxConnections + refusalRoom(maxConnections) + OTHER_DESCRIPTORS;
  if (needed <= limit) return undefined;
  return (
    `--max-connections ${maxConnections} may need about ${needed} file descriptors, but this process may open ${limit}: ` +
    `clients beyond that hang or are reset instead of being answered. Raise the limit (ulimit -n, LimitNOFILE=, docker --ulimit nofile=) ` +
    `or lower --max-connections (FORMGATE_MAX_CONNECTIONS)`
  );
}

/** Logs a warning if the descriptor limit is below what the cap needs. Linux only; elsewhere it says nothing. */
export async function warnIfDescriptorsShort(maxConnections: number, logger: Logger): Promise<void> {
  const limits = await readFile('/proc/self/limits', 'utf8').catch(() => undefined);
  const limit = limits === undefined ? undefined : openFilesLimit(limits);
  const shortfall = limit === undefined ? undefined : descriptorShortfall(maxConnections, limit);
  if (shortfall !== undefined) logger.warn({ maxConnections, openFilesLimit: limit }, shortfall);
}
