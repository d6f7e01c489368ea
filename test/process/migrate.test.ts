import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, it } from 'vitest';
import { createPostgresDatabase } from '../support/databases.ts';
import { killAll, runCli } from '../support/process.ts';

/**
 * `formgate migrate` against a fresh PostgreSQL database: replicas starting together take turns (advisory
 * lock), and running it again changes nothing.
 */

const journal = JSON.parse(await readFile(new URL('../../src/db/migrations/meta/_journal.json', import.meta.url), 'utf8')) as {
  entries: unknown[];
};

afterAll(killAll);

async function schemaOf(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const tables = await sql<{ table_schema: string; table_name: string }[]>`
      select table_schema, table_name from information_schema.tables
      where table_schema not in ('pg_catalog', 'information_schema')
      order by table_schema, table_name`;
    const [applied] = await sql<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
    return { tables: tables.map((t) => `${t.table_schema}.${t.table_name}`), applied: applied?.n };
  } finally {
    await sql.end();
  }
}

const count = journal.entries.length;
const applied = `applied ${count} migration${count === 1 ? '' : 's'}`;
const upToDate = `the database is up to date (${count} migration${count === 1 ? '' : 's'}, none to apply)`;

/** The messages of the log lines that report the migrations. */
function messages(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string })
    .map((l) => l.msg)
    .filter((m) => m.startsWith('applied ') || m.startsWith('the database is up to date'));
}

describe.concurrent('formgate migrate', { timeout: 60_000 }, () => {
  it('two at once both succeed, the tables exist once, and a third run is a no-op', async ({ expect }) => {
    const url = await createPostgresDatabase();
    const args = ['migrate', '--database-url', url, '--log-level', 'info'];

    const [a, b] = await Promise.all([runCli(args), runCli(args)]);
    expect({ code: a.code, stderr: a.stderr }).toEqual({ code: 0, stderr: '' });
    expect({ code: b.code, stderr: b.stderr }).toEqual({ code: 0, stderr: '' });
    // They took turns under the lock: the first applied every migration, the second found none to apply.
    const said = [a, b].map((r) => messages(r.stdout)).flat().sort();
    expect(said).toEqual([applied, upToDate].sort());

    const after = await schemaOf(url);
    expect(after.tables.filter((t) => t.startsWith('public.'))).toEqual(['public.auth_revocations', 'public.document_versions', 'public.documents']);
    expect(after.applied).toBe(journal.entries.length);

    const again = await runCli(args);
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: '' });
    expect(messages(again.stdout)).toEqual([upToDate]);
    expect(await schemaOf(url)).toEqual(after);
  });

  // migrate reads only the database and log flags, so serve-only settings (the default --protect all
  // without --auth-url, a bad FORMGATE_PORT) cannot stop it.
  it('needs nothing but --database-url, whatever serve-only variables say', async ({ expect }) => {
    const url = await createPostgresDatabase();
    const r = await runCli(['migrate', '--database-url', url], { env: { FORMGATE_PORT: 'abc' } });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect((await schemaOf(url)).applied).toBe(journal.entries.length);
  });

  it('on an embedded database says it applied the migrations, then that there was nothing to apply', async ({ expect, onTestFinished }) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'formgate-migrate-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const args = ['migrate', '--database-url', `file://${path.join(dir, 'data')}`, '--log-level', 'info'];
    const first = await runCli(args);
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    expect(messages(first.stdout)).toEqual([applied]);
    const second = await runCli(args);
    expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '' });
    expect(messages(second.stdout)).toEqual([upToDate]);
  });
});
