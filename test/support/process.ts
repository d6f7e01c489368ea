import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs the real `formgate` command (`node bin/formgate.js …`) as a child process.
 *
 * Every child is remembered until it exits, so a test file can end them all with `killAll()` in
 * `afterAll`, whatever state a failed test left them in. Every wait here is bounded by a timeout.
 */

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/formgate.js', import.meta.url));

/** Starting the CLI costs a few seconds (tsx + PGlite); two cores running several at once cost more. */
export const START_TIMEOUT_MS = 40_000;
const RUN_TIMEOUT_MS = 40_000;

const live = new Set<ChildProcess>();

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliResult extends Exit {
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  /** Added to the environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Written to the child's standard input, which is then closed; without it stdin is not connected. */
  input?: string;
  /** Another script than bin/formgate.js (a compiled dist/cli.js), run in `cwd` (default: the repository). */
  script?: string;
  cwd?: string;
}

/**
 * The parent's environment minus anything that would configure Formgate or the example identity service
 * behind the test's back, with tracing off unless `extra` turns it on.
 */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(FORMGATE_|AUTH_|OTEL_)/.test(k) && k !== 'NODE_OPTIONS') env[k] = v;
  }
  env.OTEL_SDK_DISABLED = 'true';
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

function spawnCli(args: readonly string[], opts: SpawnOptions): ChildProcess {
  const child = spawn(process.execPath, [opts.script ?? BIN, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: childEnv(opts.env),
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (opts.input !== undefined) {
    // A child that exits without reading its input must not turn into an EPIPE error in the test.
    child.stdin!.on('error', () => {});
    child.stdin!.end(opts.input);
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

function exitOf(child: ChildProcess): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Polls `check` until it returns a value, every 100 ms, for at most `ms`. */
export async function eventually<T>(check: () => T | undefined, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves with `promise`, or rejects after `ms` with a message saying what was awaited. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Ends a child: SIGKILL if it is still running, then waits (bounded) for it to be gone. */
export async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await withTimeout(exitOf(child), 5_000, `process ${child.pid} to die`).catch(() => {});
}

/** Kills every child still running; for `afterAll` (and `afterEach` in files whose tests run one at a time). */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map(kill));
}

/** Runs `formgate ARGS` to completion and collects its output. A run that outlives the timeout is killed. */
export async function runCli(args: readonly string[], opts: SpawnOptions & { timeoutMs?: number } = {}): Promise<CliResult> {
  const child = spawnCli(args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timeoutMs = opts.timeoutMs ?? RUN_TIMEOUT_MS;
  try {
    // 'close' (not 'exit') so that everything written to the pipes has been read.
    const exit = await withTimeout(
      new Promise<Exit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal }))),
      timeoutMs,
      `formgate ${args.join(' ')} to exit`,
    );
    return { ...exit, stdout, stderr };
  } catch (e) {
    await kill(child);
    throw new Error(`${(e as Error).message}\nstdout: ${stdout}\nstderr: ${stderr}`);
  }
}

/** A pino line as written on stdout. */
export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

export interface ServerProcess {
  readonly child: ChildProcess;
  /** From the startup log line, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Every JSON log line seen so far. */
  readonly logs: LogLine[];
  /** What the process wrote to stdout so far, as written (log lines and anything else). */
  stdout(): string;
  /** What the process wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the first log line (seen so far or later) that `match` accepts. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves when the process has exited. */
  exited(timeoutMs?: number): Promise<Exit>;
  /** Sends `signal` and waits (bounded) for the exit. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
  /** SIGKILL if still running. */
  kill(): Promise<void>;
}

/**
 * Starts `formgate serve ARGS` and resolves once it logs "Formgate listening on". Rejects (and kills the
 * child) if it exits first or does not get there within the timeout.
 */
export async function startServe(args: readonly string[], opts: SpawnOptions = {}): Promise<ServerProcess> {
  const child = spawnCli(['serve', ...args], opts);
  const logs: LogLine[] = [];
  const waiters = new Set<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  let stderr = '';
  let stdoutRest = '';
  let stdoutRaw = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdoutRaw += d;
    const lines = (stdoutRest + d).split('\n');
    stdoutRest = lines.pop() ?? '';
    for (const text of lines) {
      if (text.trim() === '') continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        continue; // not a log line; still in stdoutRaw for error messages
      }
      logs.push(line);
      for (const w of waiters) {
        if (w.match(line)) {
          waiters.delete(w);
          w.resolve(line);
        }
      }
    }
  });

  const exitPromise = exitOf(child);
  const describe = () => `formgate serve ${args.join(' ')}\nstdout: ${stdoutRaw}\nstderr: ${stderr}`;

  const waitForLog = (match: (l: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> => {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    const found = new Promise<LogLine>((resolve) => waiters.add({ match, resolve }));
    const ended = exitPromise.then((e): never => {
      throw new Error(`the server exited (code ${e.code}, signal ${e.signal}) before the awaited log line\n${describe()}`);
    });
    return withTimeout(Promise.race([found, ended]), timeoutMs, `a log line from ${describe()}`);
  };

  const handle: Omit<ServerProcess, 'url'> = {
    child,
    logs,
    stdout: () => stdoutRaw,
    stderr: () => stderr,
    waitForLog,
    exited: (timeoutMs = 15_000) => withTimeout(exitPromise, timeoutMs, `the server to exit\n${describe()}`),
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      child.kill(signal);
      return handle.exited(timeoutMs);
    },
    kill: () => kill(child),
  };

  try {
    const started = await waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('Formgate listening on'), START_TIMEOUT_MS);
    if (typeof started.url !== 'string') throw new Error(`the startup line carries no url: ${JSON.stringify(started)}`);
    const url = new URL(started.url);
    if (url.hostname !== '127.0.0.1') throw new Error(`expected a server on 127.0.0.1, got ${started.url}`);
    return { ...handle, url: started.url };
  } catch (e) {
    await kill(child);
    throw e;
  }
}

/** `fetch` with a deadline, so a hung server fails the test instead of the run. */
export function fetchWithin(url: string, init: RequestInit = {}, timeoutMs = 10_000): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
}
