import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, type Database } from '../src/db/connect.ts';

/**
 * A migrated PostgreSQL database of its own for each benchmark section, dropped afterwards. The server is
 * shared with other work on this machine (tests that restart it), so each section first waits, bounded,
 * until it answers.
 */

export interface Scratch {
  url: string;
  database: Database;
  sql: postgres.Sql;
}

const WAIT_MS = 120_000;

export function scratchDatabases(adminUrl: string) {
  const admin = postgres(adminUrl, { max: 1, connect_timeout: 5, onnotice: () => {} });

  async function ready(): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        await admin`select 1`;
        return;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`PostgreSQL at the benchmark URL did not answer within ${WAIT_MS / 1000} s (${attempt} tries)`, { cause: e });
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  return {
    /** The server's version, for the machine line. */
    async version(): Promise<string> {
      await ready();
      const [row] = await admin<{ server_version: string }[]>`show server_version`;
      return row?.server_version ?? 'unknown';
    },

    async use<T>(run: (db: Scratch) => Promise<T>): Promise<T> {
      await ready();
      const name = `formgate_bench_${randomBytes(4).toString('hex')}`;
      await admin.unsafe(`create database "${name}"`);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      const database = await openDatabase({ kind: 'postgres', url: url.toString() });
      const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
      try {
        await database.migrate();
        return await run({ url: url.toString(), database, sql });
      } finally {
        await sql.end({ timeout: 5 }).catch(() => {});
        await database.close().catch(() => {});
        // Dropping is worth a wait for a restarting server; failing to drop must not hide the section's own error.
        await ready()
          .then(() => admin.unsafe(`drop database if exists "${name}" with (force)`))
          .catch((e: unknown) => console.error(`could not drop the benchmark database ${name}: ${String(e)}`));
      }
    },

    end: () => admin.end({ timeout: 5 }),
  };
}
