import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from './schema.ts';

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

export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

