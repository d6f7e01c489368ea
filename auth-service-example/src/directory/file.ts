import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Document, isMap, parseDocument } from 'yaml';
import { err, ok, type Result } from '../result.ts';
import { EMPTY_DIRECTORY, parseDirectory, type Directory } from './schema.ts';

/**
 * The directory file on disk: read and validate it, and change it without losing what a person wrote in
 * it. Changes go through the YAML document, so comments and the order of entries survive, and reach
 * the disk by rename, so a reader (the server re-reading the file) sees the old file or the new one,
 * never half of one.
 */

export interface DirectoryFileError {
  /** `missing`: no file; `unreadable`: it cannot be read or written; `invalid`: it is not a valid directory. */
  readonly kind: 'missing' | 'unreadable' | 'invalid';
  /** One line naming the file, and for `invalid` the field at fault. */
  readonly message: string;
}

interface Loaded {
  readonly directory: Directory;
  readonly document: Document;
}

export async function readDirectoryFile(path: string): Promise<Result<Directory, DirectoryFileError>> {
  const loaded = await load(path);
  return loaded.ok ? ok(loaded.value.directory) : loaded;
}

async function load(path: string): Promise<Result<Loaded, DirectoryFileError>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return err({ kind: 'missing', message: `the users file ${path} does not exist` });
    return err({ kind: 'unreadable', message: `cannot read the users file ${path}: ${(e as Error).message}` });
  }
  return parse(path, text);
}

function parse(path: string, text: string): Result<Loaded, DirectoryFileError> {
  const document = parseDocument(text);
  const syntax = document.errors[0];
  if (syntax !== undefined) {
    const where = syntax.linePos?.[0];
    const at = where === undefined ? '' : ` at line ${where.line}, column ${where.col}`;
    return err({ kind: 'invalid', message: `the users file ${path} is not valid YAML${at}: ${syntax.message.split('\n')[0]}` });
  }
  const directory = parseDirectory(document.toJS());
  if (!directory.ok) return err({ kind: 'invalid', message: `the users file ${path} is not valid: ${directory.error}` });
  return ok({ directory: directory.value, document });
}

/** An edit the CLI asked for that the directory refuses (a name taken, an account that does not exist). */
export interface EditRefused {
  readonly kind: 'refused';
  readonly message: string;
}

export type Edit<T> = (current: Directory) => Promise<Result<{ directory: Directory; value: T }, string>>;

/**
 * Reads the file (a missing one counts as empty), applies `edit`, and writes the result with mode 0600.
 * Two CLI runs editing one file at the same moment can lose one of the changes: this is a
 * single-operator development tool, and it takes no lock.
 */
export async function editDirectoryFile<T>(path: string, edit: Edit<T>): Promise<Result<T, DirectoryFileError | EditRefused>> {
  const loaded = await load(path);
  let current: Loaded;
  if (loaded.ok) current = loaded.value;
  else if (loaded.error.kind === 'missing') current = { directory: EMPTY_DIRECTORY, document: new Document({ users: {}, serviceAccounts: {} }) };
  else return loaded;

  const edited = await edit(current.directory);
  if (!edited.ok) return err({ kind: 'refused', message: edited.error });
  const next = parseDirectory(edited.value.directory);
  // The edits build valid entries; a failure here is a bug, and must not reach the file.
  if (!next.ok) throw new Error(`an edit produced an invalid directory: ${next.error}`);

  applyTo(current.document, current.directory, next.value);
  const written = await writeAtomically(path, current.document.toString({ lineWidth: 0 }));
  return written.ok ? ok(edited.value.value) : written;
}

/** Changes the document entry by entry, so untouched entries keep their comments and layout. */
function applyTo(document: Document, before: Directory, after: Directory): void {
  for (const section of ['users', 'serviceAccounts', 'clients'] as const) {
    const was: Record<string, unknown> = before[section] ?? {};
    const now: Record<string, unknown> | undefined = after[section];
    // A file without clients gets the section only once it has one.
    if (now === undefined) continue;
    const node = document.get(section, true);
    if (!isMap(node)) {
      document.set(section, document.createNode(withoutUndefined(now)));
      continue;
    }
    for (const name of Object.keys(was)) {
      if (!Object.hasOwn(now, name)) node.delete(name);
    }
    for (const [name, entry] of Object.entries(now)) {
      if (!isDeepStrictEqual(was[name], entry)) node.set(name, document.createNode(withoutUndefined(entry as object)));
    }
  }
}

function withoutUndefined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

async function writeAtomically(path: string, text: string): Promise<Result<void, DirectoryFileError>> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    // The file holds only hashes, but they are still worth keeping from other local users.
    await writeFile(temporary, text, { mode: 0o600, flag: 'wx' });
    await rename(temporary, path);
    return ok(undefined);
  } catch (e) {
    await unlink(temporary).catch(() => {});
    return err({ kind: 'unreadable', message: `cannot write the users file ${path}: ${(e as Error).message}` });
  }
}
