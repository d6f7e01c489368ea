import type { Logger } from 'pino';
import { causeChain } from './errors.ts';

/**
 * postgres.js can reject a query promise that nobody holds when its connection is cut between two
 * statements (porsager/postgres#1066, #1154, #1208; the chaos test's `pg_terminate_backend` under write
 * load saw it about once in five runs). Node ends the process for any unhandled rejection. A rejection
 * nobody holds answers no request, so for a lost database connection the right thing is to log it and go
 * on: the pool reconnects by itself. Every other unhandled rejection still ends the process.
 */
const LOST_CONNECTION = new Set(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECTION_ENDED']);

export function isLostConnection(reason: unknown): boolean {
  return causeChain(reason).some((e) => typeof e.code === 'string' && LOST_CONNECTION.has(e.code));
}

/** The process's `unhandledRejection` listener: logs a lost connection's stray rejection, rethrows the rest. */
export function strayRejectionListener(logger: Logger): (reason: unknown) => void {
  return (reason) => {
    if (!isLostConnection(reason)) throw reason;
    logger.warn({ code: (causeChain(reason)[0]?.code as string | undefined) ?? 'unknown' }, 'a database connection was lost under a query nobody waited for; the pool reconnects');
  };
}
