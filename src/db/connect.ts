import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import type { DatabaseConfig } from './target.ts';
import { openDataDir } from './data-dir.ts';
import { PrivateNodeFS } from './private-fs.ts';
import { withSafeTransactions } from './safe-transactions.ts';
import * as schema from './schema.ts';

/** The query surface shared by both drivers and by their transactions. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  readonly db: Db;
  /** `postgres` or `pglite`, for logs and health output. */
  readonly driver: 'postgres' | 'pglite';
  /** Applies pending migrations; on PostgreSQL under an advisory lock so replicas starting together take turns. */
  migrate(): Promise<void>;
  /** A trivial round trip, for /health. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

// Any fixed 64-bit number works; this one spells "formgate" closely enough in hex to be recognisable in pg_locks.
const MIGRATION_LOCK_KEY = 0x0f0a_3a7e_0001n;

export async function openDatabase(target: DatabaseConfig): Promise<Database> {
  return target.kind === 'postgres' ? openPostgres(target.url) : openPglite(target.kind === 'pglite-file' ? target.dir : undefined);
}

async function openPglite(dir: string | undefined): Promise<Database> {
  // A directory is this process's alone, and private, before PGlite reads a byte of it: see data-dir.ts.
  const claimed = dir === undefined ? undefined : await openDataDir(dir);
  if (claimed !== undefined && !claimed.ok) throw new Error(claimed.error);
  const lock = claimed?.value;
  let client: PGlite;
  try {
    client = dir === undefined ? new PGlite() : new PGlite({ fs: new PrivateNodeFS(dir) });
    await client.waitReady;
  } catch (e) {
    await lock?.release();
    throw e;
  }
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    driver: 'pglite',
    // The directory's lock keeps every other process out, so nobody else can be migrating it at the same time.
    migrate: () => migratePglite(drizzlePglite(client), { migrationsFolder }),
    ping: async () => {
      await client.query('select 1');
    },
    close: async () => {
      try {
        await client.close();
      } finally {
        await lock?.release();
      }
    },
  };
}

async function openPostgres(url: string): Promise<Database> {
  // Every transaction, the migrator's too, goes through the guarded begin(): see safe-transactions.ts.
  const client = withSafeTransactions(
    postgres(url, {
      max: 10,
      connect_timeout: 5,
      idle_timeout: 60,
      onnotice: () => {},
    }),
  );
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  return {
    db,
    driver: 'postgres',
    migrate: async () => {
      // Advisory locks belong to a session, so hold it on a connection of its own while the pool migrates.
      const lock = await client.reserve();
      try {
        await lock`select pg_advisory_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
        try {
          await migratePostgres(drizzlePostgres(client), { migrationsFolder });
        } finally {
          await lock`select pg_advisory_unlock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
        }
      } finally {
        lock.release();
      }
    },
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => client.end({ timeout: 5 }),
  };
}
