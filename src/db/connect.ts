import type { Database } from './database.ts';
import type { DatabaseConfig } from './target.ts';

export type { Database, Db, MigrationOutcome } from './database.ts';

/**
 * Opens the database the target names. Each driver is loaded only when it is used: a server on PostgreSQL
 * never loads PGlite's WebAssembly, and one on PGlite never loads postgres.js.
 */
export async function openDatabase(target: DatabaseConfig): Promise<Database> {
  if (target.kind === 'postgres') return (await import('./postgres.ts')).openPostgres(target.url);
  return (await import('./pglite.ts')).openPglite(target.kind === 'pglite-file' ? target.dir : undefined);
}
