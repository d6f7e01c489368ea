import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A new embedded database starts from a template: PGlite's data directory as it is right after initdb and
 * every migration, dumped once and kept in a per-user cache. Loading it takes a fraction of PGlite's initdb
 * (seconds on a small machine), which every `memory://` start, every new `file://` directory and every
 * test would otherwise pay.
 *
 * A template is named by what it was made from (the PGlite release and the migrations), so a PGlite
 * upgrade or a new migration never starts from a stale one, and it is kept with the SHA-256 of its bytes,
 * so a truncated or damaged file is never loaded. Nothing here may fail a start: a cache that cannot be
 * read or written means a plain initdb, as without it.
 */

const OWNER_ONLY_DIR = 0o700;
const OWNER_ONLY_FILE = 0o600;

/** `FORMGATE_CACHE_DIR`, else `$XDG_CACHE_HOME/formgate`, else `~/.cache/formgate`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FORMGATE_CACHE_DIR) return path.resolve(env.FORMGATE_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(homedir(), '.cache');
  return path.join(base, 'formgate');
}

/** The PGlite release and the migrations, in one short name: what a template must match to be used. */
export function templateName(migrationsFolder: string): string {
  const pglite = fileURLToPath(new URL('../package.json', import.meta.resolve('@electric-sql/pglite')));
  const { version } = JSON.parse(readFileSync(pglite, 'utf8')) as { version: string };
  const hash = createHash('sha256').update(`pglite ${version}\n`);
  for (const file of readdirSync(migrationsFolder, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort()) {
    hash.update(`${path.relative(migrationsFolder, file)}\n`).update(readFileSync(file));
  }
  return `pglite-${version}-${hash.digest('hex').slice(0, 16)}.tar`;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export interface TemplateStore {
  /** The template's bytes, or undefined when there is none that can be trusted. */
  load(): Promise<Blob | undefined>;
  /** Keeps a template, atomically: a reader sees the whole file or none. Never throws. */
  save(dump: Blob): Promise<void>;
}

/** The file is the SHA-256 of the dump (64 hex digits and a newline), then the dump: one rename writes both. */
const SUM_BYTES = 65;

export function templateStore(dir: string, name: string): TemplateStore {
  const file = path.join(dir, name);
  return {
    async load() {
      try {
        // A database is code of a sort: only one this user (or root, an image built ahead) wrote, in a folder
        // nobody else may write to, is loaded.
        const [folder, kept] = await Promise.all([stat(dir), stat(file)]);
        const trusted = (owner: number) => owner === process.getuid?.() || owner === 0;
        if (!trusted(folder.uid) || !trusted(kept.uid) || (folder.mode & 0o022) !== 0 || (kept.mode & 0o022) !== 0) return undefined;
        const bytes = await readFile(file);
        const dump = bytes.subarray(SUM_BYTES);
        if (bytes.subarray(0, SUM_BYTES - 1).toString('latin1') === sha256(dump)) return new Blob([dump]);
        // Damaged (a disk error, a hand edit): set aside, and made anew by this start.
        await rm(file, { force: true });
        return undefined;
      } catch {
        return undefined;
      }
    },
    async save(dump) {
      const temp = `${file}.${randomUUID()}.tmp`;
      try {
        const bytes = new Uint8Array(await dump.arrayBuffer());
        await mkdir(dir, { recursive: true, mode: OWNER_ONLY_DIR });
        await chmod(dir, OWNER_ONLY_DIR);
        await writeFile(temp, Buffer.concat([Buffer.from(`${sha256(bytes)}\n`, 'latin1'), bytes]), { mode: OWNER_ONLY_FILE });
        await rename(temp, file);
        // Templates of an earlier PGlite or earlier migrations are never used again: 40 MB each.
        for (const old of await readdir(dir)) if (old !== name && /^pglite-.*\.tar$/.test(old)) await rm(path.join(dir, old), { force: true });
      } catch {
        await rm(temp, { force: true }).catch(() => {});
      }
    },
  };
}
