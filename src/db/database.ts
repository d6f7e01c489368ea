import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { MigrationOutcome } from './migration-count.ts';
import type * as schema from './schema.ts';

/** The query surface shared by both drivers and by their transactions. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  readonly db: Db;
  /** `postgres` or `pglite`, for logs and health output. */
  readonly driver: 'postgres' | 'pglite';
  /**
   * Applies pending migrations and says how many it applied; on PostgreSQL under an advisory lock so
   * replicas starting together take turns (the second then finds nothing to apply).
   */
  migrate(): Promise<MigrationOutcome>;
  /** A trivial round trip, for /health. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

