import { existsSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrationsFolder, type Database, type Db } from './database.ts';
import { appliedMigrations, knownMigrations } from './migration-count.ts';
import { openDataDir } from './data-dir.ts';
import { inProcessNotifications } from './notifications.ts';
import { PrivateNodeFS } from './private-fs.ts';
import * as schema from './schema.ts';
import { cacheDir, templateName, templateStore } from './template.ts';

export async function openPglite(dir: string | undefined): Promise<Database> {
  // A directory is this process's alone, and private, before PGlite reads a byte of it: see data-dir.ts.
  const claimed = dir === undefined ? undefined : await openDataDir(dir);
  if (claimed !== undefined && !claimed.ok) throw new Error(claimed.error);
  const lock = claimed?.value;
  // A new database starts from the migrated template: its migrations were applied by this open.
  let fresh = dir === undefined || !existsSync(path.join(dir, 'PG_VERSION'));
  let client: PGlite;
  try {
    client = await startClient(dir);
  } catch (e) {
    await lock?.release();
    throw e;
  }
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    driver: 'pglite',
    notifications: inProcessNotifications(),
    // The directory's lock keeps every other process out, so nobody else can be migrating it at the same time.
    migrate: async () => {
      const count = () => appliedMigrations(async (text) => (await client.query<Record<string, unknown>>(text)).rows);
      const before = fresh ? 0 : await count();
      fresh = false;
      await migratePglite(drizzlePglite(client), { migrationsFolder });
      return { applied: (await count()) - before, known: knownMigrations() };
    },
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

function startFrom(dir: string | undefined, template?: Blob): PGlite {
  const loadDataDir = template === undefined ? {} : { loadDataDir: template };
  return dir === undefined ? new PGlite(loadDataDir) : new PGlite({ fs: new PrivateNodeFS(dir), ...loadDataDir });
}

/**
 * An existing directory opens as it is; a new database starts from the template (template.ts), which is
 * made first when the cache has none that fits: an initdb and the migrations in memory, then dumped. That
 * database is itself a new in-memory database, so `memory://` uses it rather than load its copy.
 */
// Hashing the migrations once: they do not change while the process runs.
let name: string | undefined;

async function startClient(dir: string | undefined): Promise<PGlite> {
  if (dir !== undefined && existsSync(path.join(dir, 'PG_VERSION'))) return ready(startFrom(dir));
  const store = templateStore(cacheDir(), (name ??= templateName(migrationsFolder)));
  const kept = await store.load();
  if (kept !== undefined) return ready(startFrom(dir, kept));
  const made = await ready(new PGlite());
  await migratePglite(drizzlePglite(made), { migrationsFolder });
  const template = await made.dumpDataDir('none');
  await store.save(template);
  if (dir === undefined) return made;
  await made.close();
  return ready(startFrom(dir, template));
}

async function ready(client: PGlite): Promise<PGlite> {
  await client.waitReady;
  return client;
}
