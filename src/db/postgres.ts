import { sql } from 'drizzle-orm';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { migrationsFolder, type Database, type Db } from './database.ts';
import { appliedMigrations, knownMigrations } from './migration-count.ts';
import { postgresNotifications } from './postgres-notifications.ts';
import { withSafeTransactions } from './safe-transactions.ts';
import * as schema from './schema.ts';

// Any fixed 64-bit number works; this one spells "formgate" closely enough in hex to be recognisable in pg_locks.
const MIGRATION_LOCK_KEY = 0x0f0a_3a7e_0001n;

export async function openPostgres(url: string): Promise<Database> {
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
    notifications: postgresNotifications(url, client),
    migrate: async () => {
      // Advisory locks belong to a session, so hold it on a connection of its own while the pool migrates.
      const lock = await client.reserve();
      try {
        await lock`select pg_advisory_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
        try {
          // Counted inside the lock: a replica that migrated first has then finished, and this one applies none.
          const count = () => appliedMigrations((text) => lock.unsafe(text));
          const before = await count();
          await migratePostgres(drizzlePostgres(client), { migrationsFolder });
          return { applied: (await count()) - before, known: knownMigrations() };
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
