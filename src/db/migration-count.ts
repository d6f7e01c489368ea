import { readMigrationFiles } from 'drizzle-orm/migrator';
import { migrationsFolder, type MigrationOutcome } from './database.ts';

/** Runs one SQL text and returns its rows; each driver passes its own. */
export type RunSql = (text: string) => Promise<readonly Record<string, unknown>[]>;

// The journal does not change while the process runs.
let known: number | undefined;
export const knownMigrations = (): number => (known ??= readMigrationFiles({ migrationsFolder }).length);

/**
 * How many migrations the database records as applied. Drizzle keeps them in drizzle.__drizzle_migrations,
 * which a database never migrated does not have yet; asked for in a second query, since a query naming a
 * missing table fails as a whole.
 */
export async function appliedMigrations(run: RunSql): Promise<number> {
  const [present] = await run(`select to_regclass('drizzle.__drizzle_migrations') is not null as present`);
  if (present?.present !== true) return 0;
  const [row] = await run('select count(*)::int as n from drizzle.__drizzle_migrations');
  return Number(row?.n ?? 0);
}

/** `applied 2 migrations`, or `the database is up to date (2 migrations, none to apply)`. */
export function describeMigrations({ applied, known }: MigrationOutcome): string {
  if (applied === 0) return `the database is up to date (${known} migration${known === 1 ? '' : 's'}, none to apply)`;
  return `applied ${applied} migration${applied === 1 ? '' : 's'}`;
}
