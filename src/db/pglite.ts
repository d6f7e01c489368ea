import { existsSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrationsFolder, type Database, type Db } from './database.ts';
import { openDataDir } from './data-dir.ts';
import { PrivateNodeFS } from './private-fs.ts';
import * as schema from './schema.ts';
import { cacheDir, templateName, templateStore } from './template.ts';

export async function openPglite(dir: string | undefined): Promise<Database> {
  // A directory is this process's alone, and private, before PGlite reads a byte of it: see data-dir.ts.
  const claimed = dir === undefined ? undefined : await openDataDir(dir);
  if (claimed !== undefined && !claimed.ok) throw new Error(claimed.error);
  const lock = claimed?.value;
  let client: PGlite;
  try {
    // A new database starts from the template (template.ts); an existing directory opens as it is.
    const fresh = dir === undefined || !existsSync(path.join(dir, 'PG_VERSION'));
    const start = fresh ? await freshStart() : undefined;
    if (start?.made !== undefined && dir === undefined) {
      client = start.made;
    } else {
      await start?.made?.close();
      const loadDataDir = start === undefined ? {} : { loadDataDir: start.template };
      client = dir === undefined ? new PGlite(loadDataDir) : new PGlite({ fs: new PrivateNodeFS(dir), ...loadDataDir });
      await client.waitReady;
    }
  } catch (e) {
    await lock?.release();
    throw e;
  }
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    driver: 'pglite',
    // The directory's lock keeps every other process out, so nobody else can be migrating it at the same time.
    migrate: () => migratePglite(drizzlePglite(client), { migrationsFolder }),
    ping: async () => {
      await client.query('select 1');
    },
    close: async () => {
      try {
        await client.close();
      } finally {
        await lock?.release();
      }
    },
  };
}

/**
 * The template a new database starts from, made first when the cache has none that fits (an initdb and
 * the migrations in memory, then dumped): the database it was made from is handed back too, so a new
 * in-memory database uses it as it is rather than load its copy.
 */
async function freshStart(): Promise<{ template: Blob; made?: PGlite }> {
  const store = templateStore(cacheDir(), templateName(migrationsFolder));
  const kept = await store.load();
  if (kept !== undefined) return { template: kept };
  const made = new PGlite();
  await made.waitReady;
  await migratePglite(drizzlePglite(made), { migrationsFolder });
  const template = await made.dumpDataDir('none');
  await store.save(template);
  return { template, made };
}
