import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Notifications } from './notifications.ts';
import type * as schema from './schema.ts';

/** The query surface shared by both drivers and by their transactions. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** What one `migrate()` did, so the operator is told whether anything changed. */
export interface MigrationOutcome {
  /** Migrations this call applied; 0 when the database was up to date. */
  readonly applied: number;
  /** Migrations this build of Formgate knows. */
  readonly known: number;
}

export interface Database {
  readonly db: Db;
  /** `postgres` or `pglite`, for logs and health output. */
  readonly driver: 'postgres' | 'pglite';
  /**
   * Applies pending migrations and says how many it applied; on PostgreSQL under an advisory lock so
   * replicas starting together take turns (the second then finds nothing to apply).
   */
  migrate(): Promise<MigrationOutcome>;
  /** Messages between the processes sharing this database (the revocation channel): LISTEN/NOTIFY, or in-process on PGlite. */
  readonly notifications: Notifications;
  /** A trivial round trip, for /health. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

