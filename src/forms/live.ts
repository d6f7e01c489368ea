import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { err, ok, type Result } from '../result.ts';
import { formatFormsFileError, parseFormsFile, readProblem, type FormsFileError } from './load.ts';
import type { FormRegistry } from './registry.ts';

/** How the forms file stands: in use as last read, or unusable while the last good version is served. */
export interface FormsFileState {
  readonly file: string;
  /** When the version being served was read. */
  readonly loadedAt: Date;
  /** Why the file as it is now cannot be used; absent while the served version is the file's. */
  readonly problem?: string;
}

export interface LiveForms {
  /** The seam the API reads: every call answers from the version in use at that moment. */
  readonly forms: FormRegistry;
  state(): FormsFileState;
  /** Looks at the file now (what a change event or the poll does); resolves once that look is done. */
  reload(): Promise<void>;
  /** Stops watching; a reload under way finishes first. */
  stop(): Promise<void>;
}

export interface LiveFormsOptions {
  /** Quiet time after a change event before the file is read: an editor's save is several events. */
  readonly debounceMs?: number;
  /** The fallback look at the file, for file systems (network, some containers) that send no events. */
  readonly pollMs?: number;
}

const DEBOUNCE_MS = 100;
const POLL_MS = 5000;

/**
 * The forms file, followed: a change that parses and validates replaces the forms for every request from
 * then on; one that does not is logged once and the last good version stays in use. The directory is
 * watched, not the file, because editors save by writing a new file and renaming it over the old one,
 * which a watch on the old file never sees.
 */
export async function openLiveForms(file: string, logger: Logger, options: LiveFormsOptions = {}): Promise<Result<LiveForms, FormsFileError[]>> {
  const fingerprint = await fingerprintOf(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return err([{ file, path: '', message: `cannot read the file: ${readProblem(e)}` }]);
  }
  const parsed = parseFormsFile(text, file);
  if (!parsed.ok) return err(parsed.error);
  return ok(follow(file, { forms: parsed.value, text, fingerprint }, logger, options));
}

interface Version {
  readonly forms: FormRegistry;
  readonly text: string;
  readonly fingerprint: string | undefined;
}

function follow(file: string, first: Version, logger: Logger, options: LiveFormsOptions): LiveForms {
  let current = first.forms;
  let lastText = first.text;
  let seen = first.fingerprint;
  let loadedAt = new Date();
  let problem: string | undefined;
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;

  async function look(): Promise<void> {
    const fingerprint = await fingerprintOf(file);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      return unusable(`cannot read the file: ${readProblem(e)}`);
    }
    seen = fingerprint;
    // The same bytes again (a touch, a second event for one save) change nothing and say nothing.
    if (text === lastText && problem === undefined) return;
    const parsed = parseFormsFile(text, file);
    if (!parsed.ok) {
      const [first, ...rest] = parsed.error;
      const more = rest.length > 0 ? ` (and ${rest.length} more)` : '';
      return unusable(`${first ? formatFormsFileError(first) : 'invalid'}${more}`);
    }
    lastText = text;
    current = parsed.value;
    loadedAt = new Date();
    const wasBroken = problem !== undefined;
    problem = undefined;
    const names = current.list().map((f) => f.definition.name);
    logger.info({ forms: names, file, fixed: wasBroken }, 'forms file reloaded');
  }

  function unusable(message: string): void {
    if (message === problem) return;
    problem = message;
    logger.warn({ file, problem: message, servingSince: loadedAt.toISOString() }, 'forms file unusable; still serving the last good version');
  }

  // One look at a time; events arriving during a look ask for exactly one more after it.
  function reload(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await look().catch((e: unknown) => unusable(`cannot read the file: ${(e as Error).message}`));
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  let debounce: NodeJS.Timeout | undefined;
  const soon = () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => void reload(), options.debounceMs ?? DEBOUNCE_MS);
    debounce.unref();
  };

  const watcher = watchDirectory(file, soon, logger);
  // The poll reads the file only when its fingerprint moved, so it costs one stat.
  const poll = setInterval(() => {
    void fingerprintOf(file).then((f) => {
      if (f !== seen || f === undefined) void reload();
    });
  }, options.pollMs ?? POLL_MS);
  poll.unref();

  return {
    forms: Object.freeze({ list: () => current.list(), get: (name: string) => current.get(name) }),
    state: () => ({ file, loadedAt, ...(problem === undefined ? {} : { problem }) }),
    reload,
    async stop() {
      stopped = true;
      clearTimeout(debounce);
      clearInterval(poll);
      watcher?.close();
      await running;
    },
  };
}

function watchDirectory(file: string, changed: () => void, logger: Logger): FSWatcher | undefined {
  const name = path.basename(file);
  try {
    const watcher = watch(path.dirname(file), { persistent: false }, (_event, filename) => {
      // Some platforms do not name the file; then any change in the directory counts.
      if (filename === null || filename === name) changed();
    });
    // The directory itself gone or unwatchable: the poll carries on alone.
    watcher.on('error', (e) => {
      logger.debug({ err: e, file }, 'forms file watch ended; polling only');
      watcher.close();
    });
    return watcher;
  } catch (e) {
    logger.debug({ err: e, file }, 'cannot watch the forms file directory; polling only');
    return undefined;
  }
}

/** Inode, size and modification time: a rename over the file changes the first, a save in place the others. */
async function fingerprintOf(file: string): Promise<string | undefined> {
  try {
    const s = await stat(file, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch {
    return undefined;
  }
}
