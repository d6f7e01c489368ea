import postgres from 'postgres';
import type { TestProject } from 'vitest/node';

/**
 * The test run's PostgreSQL: the server at 127.0.0.1:5432 (or FORMGATE_TEST_POSTGRES_URL). Each test file
 * creates databases named after this run and the run drops them all at the end, so runs never share data.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    databasePrefix: string;
  }
}

export default async function setup(project: TestProject) {
  const adminUrl = process.env.FORMGATE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const prefix = `formgate_test_${process.pid}_${Date.now().toString(36)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await admin`select 1`;
  } catch (e) {
    await admin.end();
    throw new Error(`The tests need PostgreSQL at ${adminUrl} (set FORMGATE_TEST_POSTGRES_URL to use another): ${(e as Error).message}`);
  }
  await admin.end();
  project.provide('postgresAdminUrl', adminUrl);
  project.provide('databasePrefix', prefix);

  return async () => {
    const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
    const rows = await sql<{ datname: string }[]>`select datname from pg_database where datname like ${`${prefix}%`}`;
    for (const { datname } of rows) await sql.unsafe(`drop database if exists "${datname}" with (force)`);
    await sql.end();
  };
}
