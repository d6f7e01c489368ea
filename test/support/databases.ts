import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import type { Config } from '../../src/config/index.ts';
import { openDatabase, type Database } from '../../src/db/connect.ts';

/** A new, empty PostgreSQL database for one test file; the run's teardown drops it. */
export async function createPostgresDatabase(): Promise<string> {
  const adminUrl = inject('postgresAdminUrl');
  const name = `${inject('databasePrefix')}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface DriverCase {
  name: 'pglite' | 'postgres';
  target(): Promise<Config['database']>;
}

/** The two drivers every storage and HTTP test runs against. */
export const DRIVERS: DriverCase[] = [
  { name: 'pglite', target: async () => ({ kind: 'pglite-memory' }) },
  { name: 'postgres', target: async () => ({ kind: 'postgres', url: await createPostgresDatabase() }) },
];

export async function openMigratedDatabase(driver: DriverCase): Promise<Database> {
  const database = await openDatabase(await driver.target());
  await database.migrate();
  return database;
}
