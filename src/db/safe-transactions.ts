import type { ReservedSql, Sql, TransactionSql } from 'postgres';
import { causeChain, isDatabaseUnavailable } from './errors.ts';

/**
 * postgres.js (3.4.9, the latest) crashes the whole process when anything is written to a connection
 * whose server end is gone: the write is deferred to a `setImmediate` that dereferences the socket the close
 * handler already set to null, an exception no caller can catch (porsager/postgres#1066, #1154, #1208).
 * Its own `begin()` walks into that: when a statement fails because the connection was cut
 * (`pg_terminate_backend`, a PostgreSQL restart), it sends ROLLBACK on the same dead connection, so one
 * cut connection under write load ends Formgate.
 *
 * `withSafeTransactions(client)` is the client with `begin()` replaced: the same transaction on a reserved
 * connection, except that once a statement on it failed because the connection is gone, nothing more is
 * sent on it (the server has rolled the transaction back already), and it is not handed back either (the
 * pool took it back when it closed, and will reconnect it). This holds as long as the transaction's
 * statements run on the transaction it is given, as drizzle's do.
 *
 * The wait for a connection is bounded too: while PostgreSQL restarts, postgres.js can lose a waiting
 * `reserve()` for good (it neither resolves nor rejects), which would hang that request forever.
 */
export function withSafeTransactions(client: Sql): Sql {
  // reserve() (unlike queries) still opens connections after end(), so begin() checks for it itself.
  let ended = false;
  const end: Sql['end'] = (options) => {
    ended = true;
    return client.end(options);
  };
  const begin = (...args: unknown[]) => {
    // The error postgres.js gives any query after end().
    if (ended) return Promise.reject(Object.assign(new Error('write CONNECTION_ENDED'), { code: 'CONNECTION_ENDED' }));
    const fn = args.at(-1) as (tx: TransactionSql) => unknown;
    const mode = args.length > 1 && typeof args[0] === 'string' ? args[0] : '';
    return inTransaction(client, mode, fn);
  };
  const replaced: Record<PropertyKey, unknown> = { begin, end };
  return new Proxy(client, { get: (target, property, receiver) => (Object.hasOwn(replaced, property) ? replaced[property] : Reflect.get(target, property, receiver)) });
}

/** Longer than `connect_timeout` (5 s), so a connection that is merely slow to open still gets its chance. */
export const RESERVE_TIMEOUT_MS = 10_000;

async function inTransaction<T>(client: Sql, mode: string, fn: (tx: TransactionSql) => T | Promise<T>): Promise<T> {
  const connection = await reserveWithin(client, RESERVE_TIMEOUT_MS);
  let lost = false;
  const onConnection = async <R>(run: () => Promise<R>): Promise<R> => {
    try {
      return await run();
    } catch (e) {
      if (closesConnection(e)) lost = true;
      throw e;
    }
  };
  try {
    // Only letters and spaces: the mode is an SQL fragment (`isolation level serializable`).
    await onConnection(() => connection.unsafe(`begin ${mode.replace(/[^a-z ]/gi, '')}`));
    const result = await onConnection(async () => fn(withSavepoints(connection, () => lost)));
    await onConnection(() => connection.unsafe('commit'));
    return result;
  } catch (e) {
    if (!lost) await onConnection(() => connection.unsafe('rollback')).catch(() => {});
    throw e;
  } finally {
    if (!lost) connection.release();
  }
}

/** The reserved connection as a transaction: `savepoint()` for nested transactions, with the same rule. */
function withSavepoints(connection: ReservedSql, isLost: () => boolean): TransactionSql {
  let count = 0;
  const savepoint = async (...args: unknown[]) => {
    const fn = args.at(-1) as (tx: TransactionSql) => unknown;
    const name = `s${count++}`;
    await connection.unsafe(`savepoint ${name}`);
    try {
      const result = await fn(transaction);
      await connection.unsafe(`release savepoint ${name}`);
      return result;
    } catch (e) {
      if (!closesConnection(e) && !isLost()) await connection.unsafe(`rollback to savepoint ${name}`);
      throw e;
    }
  };
  const transaction = new Proxy(connection, {
    get: (target, property, receiver) => (property === 'savepoint' ? savepoint : Reflect.get(target, property, receiver)),
  }) as unknown as TransactionSql;
  return transaction;
}

/** `reserve()` with a deadline; a connection that arrives after it is handed straight back. */
function reserveWithin(client: Sql, timeoutMs: number): Promise<ReservedSql> {
  return new Promise((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      // CONNECT_TIMEOUT, as postgres.js names a connection that could not be had in time: the database is unavailable.
      reject(Object.assign(new Error(`no database connection within ${timeoutMs} ms`), { code: 'CONNECT_TIMEOUT' }));
    }, timeoutMs);
    client.reserve().then(
      (connection) => {
        clearTimeout(timer);
        if (late) connection.release();
        else resolve(connection);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/**
 * An error after which the server has closed this connection: the database being unavailable, or any
 * error PostgreSQL reports as FATAL or PANIC (an idle-in-transaction timeout, the database dropped).
 */
function closesConnection(error: unknown): boolean {
  return isDatabaseUnavailable(error) || causeChain(error).some((e) => e.severity === 'FATAL' || e.severity === 'PANIC');
}
