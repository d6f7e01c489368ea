import { chmod, cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, describe, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/connect.ts';
import { migrationsFolder } from '../../src/db/database.ts';
import { LOCK_FILE } from '../../src/db/data-dir-lock.ts';
import { cacheDir, templateName, templateStore } from '../../src/db/template.ts';

/**
 * A new embedded database starts from a template kept in the cache: the same database as an initdb and
 * every migration, never a template of another PGlite or other migrations, never a damaged one, and a
 * cache that cannot be used only costs the initdb.
 */

const dirs: string[] = [];
const savedCacheDir = process.env.FORMGATE_CACHE_DIR;
afterEach(() => {
  if (savedCacheDir === undefined) delete process.env.FORMGATE_CACHE_DIR;
  else process.env.FORMGATE_CACHE_DIR = savedCacheDir;
});
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'formgate-template-'));
  dirs.push(dir);
  return dir;
}

/** Everything a migration decides: tables, columns, indexes, constraints, and the migrations applied. */
async function shape(database: Database): Promise<unknown> {
  const rows = async (query: ReturnType<typeof sql>) => ((await database.db.execute(query)) as unknown as { rows: unknown[] }).rows;
  return {
    columns: await rows(sql`select table_schema, table_name, column_name, data_type, is_nullable, column_default, generation_expression from information_schema.columns where table_schema in ('public', 'drizzle') order by 1, 2, 3`),
    indexes: await rows(sql`select schemaname, tablename, indexname, indexdef from pg_indexes where schemaname in ('public', 'drizzle') order by 1, 2, 3`),
    constraints: await rows(sql`select conname, pg_get_constraintdef(oid) from pg_constraint where connamespace = 'public'::regnamespace order by 1`),
    migrations: await rows(sql`select hash from drizzle.__drizzle_migrations order by id`),
  };
}

async function openMemory(): Promise<Database> {
  const database = await openDatabase({ kind: 'pglite-memory' });
  await database.migrate();
  return database;
}

describe('the template store', () => {
  it('gives back what it kept, and nothing for a damaged or truncated file, which it removes', async ({ expect }) => {
    const dir = await tempDir();
    const store = templateStore(dir, 'pglite-test.tar');
    expect(await store.load()).toBeUndefined();
    await store.save(new Blob([new Uint8Array([1, 2, 3, 4, 5])]));
    expect(new Uint8Array(await (await store.load())!.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3, 4, 5]));
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'pglite-test.tar'))).mode & 0o777).toBe(0o600);

    const kept = await readFile(join(dir, 'pglite-test.tar'));
    await writeFile(join(dir, 'pglite-test.tar'), kept.subarray(0, kept.length - 1));
    expect(await store.load()).toBeUndefined();
    expect(await readdir(dir)).toEqual([]);

    await store.save(new Blob([new Uint8Array([9, 9])]));
    const flipped = await readFile(join(dir, 'pglite-test.tar'));
    flipped[flipped.length - 1] = 8;
    await writeFile(join(dir, 'pglite-test.tar'), flipped);
    expect(await store.load()).toBeUndefined();
  });

  it('removes the templates of another PGlite or other migrations once it keeps a new one', async ({ expect }) => {
    const dir = await tempDir();
    await templateStore(dir, 'pglite-0.0.1-aaaa.tar').save(new Blob([new Uint8Array([1])]));
    await writeFile(join(dir, 'notes.txt'), 'not a template');
    await templateStore(dir, 'pglite-0.0.2-bbbb.tar').save(new Blob([new Uint8Array([2])]));
    expect((await readdir(dir)).sort()).toEqual(['notes.txt', 'pglite-0.0.2-bbbb.tar']);
  });

  it('loads nothing from a folder or file that others may write to', async ({ expect }) => {
    const dir = await tempDir();
    const store = templateStore(dir, 'pglite-test.tar');
    await store.save(new Blob([new Uint8Array([7])]));
    await chmod(join(dir, 'pglite-test.tar'), 0o666);
    expect(await store.load()).toBeUndefined();
    await chmod(join(dir, 'pglite-test.tar'), 0o600);
    await chmod(dir, 0o777);
    expect(await store.load()).toBeUndefined();
    await chmod(dir, 0o700);
    expect(await store.load()).toBeDefined();
  });

  it('never throws when the cache cannot be written', async ({ expect }) => {
    const file = join(await tempDir(), 'a-file');
    await writeFile(file, '');
    const store = templateStore(join(file, 'cache'), 'pglite-test.tar');
    await expect(store.save(new Blob([new Uint8Array([1])]))).resolves.toBeUndefined();
    expect(await store.load()).toBeUndefined();
  });

  it('names a template by the PGlite release and every migration file', async ({ expect }) => {
    const copy = join(await tempDir(), 'migrations');
    await cp(migrationsFolder, copy, { recursive: true });
    const name = templateName(copy);
    expect(name).toMatch(/^pglite-\d+\.\d+\.\d+-[0-9a-f]{16}\.tar$/);
    expect(templateName(migrationsFolder)).toBe(name);
    await writeFile(join(copy, '0002_next.sql'), 'select 1;');
    expect(templateName(copy)).not.toBe(name);
  });

  it('lives in FORMGATE_CACHE_DIR, else XDG_CACHE_HOME/formgate, else ~/.cache/formgate', ({ expect }) => {
    expect(cacheDir({ FORMGATE_CACHE_DIR: '/srv/c', XDG_CACHE_HOME: '/x' })).toBe('/srv/c');
    expect(cacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/formgate');
    expect(cacheDir({})).toMatch(/\/\.cache\/formgate$/);
  });
});

describe('a new database from the template', { timeout: 120_000 }, () => {
  it('is the database an initdb and the migrations make, in memory and in a new directory', async ({ expect }) => {
    process.env.FORMGATE_CACHE_DIR = await tempDir();
    // No template yet: this one is an initdb and the migrations, and leaves the template behind.
    const made = await openMemory();
    const reference = await shape(made);
    await made.close();
    const [name] = await readdir(process.env.FORMGATE_CACHE_DIR);
    expect(name).toBe(templateName(migrationsFolder));

    const loaded = await openMemory();
    expect(await shape(loaded)).toEqual(reference);
    await loaded.close();

    const dir = join(await tempDir(), 'data');
    const inDir = await openDatabase({ kind: 'pglite-file', dir });
    await inDir.migrate();
    expect(await shape(inDir)).toEqual(reference);
    // Still this process's directory, and private: the template's files took the directory's modes.
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    const modes = await Promise.all((await readdir(dir, { recursive: true })).map(async (f) => (await stat(join(dir, f))).mode));
    expect(modes.filter((m) => (m & 0o077) !== 0)).toEqual([]);
    await inDir.close();
  });

  it('starts without one when the cache cannot be used', async ({ expect }) => {
    const file = join(await tempDir(), 'a-file');
    await writeFile(file, '');
    process.env.FORMGATE_CACHE_DIR = join(file, 'cache');
    const database = await openMemory();
    expect((await shape(database) as { migrations: unknown[] }).migrations.length).toBeGreaterThan(0);
    await database.close();
  });
});
