import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs the real `auth-service` command (`node bin/auth-service.js …`) as a child process, in a working
 * directory of the test's choosing. Every child is remembered until it exits, so a test file can end
 * them all with `killAll()` in `afterAll`; every wait here is bounded.
 */

export const BIN = fileURLToPath(new URL('../../bin/auth-service.js', import.meta.url));
export const EXAMPLE_USERS = fileURLToPath(new URL('../../users.example.yaml', import.meta.url));

const RUN_TIMEOUT_MS = 30_000;
const START_TIMEOUT_MS = 30_000;

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
  /** The working directory: where the default ./users.yaml and ./signing-key.json live. */
  cwd: string;
  /** Added to the environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Written to standard input, which is then closed; without it stdin is not connected. */
  input?: string;
  /** Another script than bin/auth-service.js (a compiled dist/cli.js). */
  script?: string;
}

/** The parent's environment minus anything that would configure the service behind the test's back. */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('AUTH_') && !k.startsWith('OTEL_') && k !== 'NODE_OPTIONS') env[k] = v;
  }
  env.OTEL_SDK_DISABLED = 'true';
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Remembers a child until it exits, for `killAll`. */
export function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

function spawnCli(args: readonly string[], opts: SpawnOptions): ChildProcess {
  const child = spawn(process.execPath, [opts.script ?? BIN, ...args], {
    cwd: opts.cwd,
    env: childEnv(opts.env),
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (opts.input !== undefined) {
    // A child that exits without reading its input must not turn into an EPIPE error in the test.
    child.stdin!.on('error', () => {});
    child.stdin!.end(opts.input);
  }
  return track(child);
}

function exitOf(child: ChildProcess): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Resolves with `promise`, or rejects after `ms` with a message saying what was awaited. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Ends a child: SIGKILL if it is still running, then waits (bounded) for it to be gone. */
export async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await withTimeout(exitOf(child), 5_000, `process ${child.pid} to die`).catch(() => {});
}

export async function killAll(): Promise<void> {
  await Promise.all([...live].map(kill));
}

/** Runs `auth-service ARGS` to completion and collects its output. A run that outlives the timeout is killed. */
export async function runCli(args: readonly string[], opts: SpawnOptions): Promise<CliResult> {
  const child = spawnCli(args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  try {
    // 'close' (not 'exit') so that everything written to the pipes has been read.
    const exit = await withTimeout(
      new Promise<Exit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal }))),
      RUN_TIMEOUT_MS,
      `auth-service ${args.join(' ')} to exit`,
    );
    return { ...exit, stdout, stderr };
  } catch (e) {
    await kill(child);
    throw new Error(`${(e as Error).message}\nstdout: ${stdout}\nstderr: ${stderr}`);
  }
}

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** From the `listening` log line, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly listening: LogLine;
  readonly logs: LogLine[];
  stdout(): string;
  stderr(): string;
  /** Resolves with the first log line (seen so far or later) that `match` accepts. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Sends `signal` and waits (bounded) for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

/** Starts `auth-service serve ARGS`; resolves once it logs `listening`, rejects (and kills it) if it exits first. */
export async function startServe(args: readonly string[], opts: SpawnOptions): Promise<ServiceProcess> {
  const child = spawnCli(['serve', ...args], opts);
  const logs: LogLine[] = [];
  const waiters = new Set<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  let stdoutRaw = '';
  let rest = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdoutRaw += d;
    const lines = (rest + d).split('\n');
    rest = lines.pop() ?? '';
    for (const text of lines) {
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        continue;
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
  const exited = exitOf(child);
  const describe = () => `auth-service serve ${args.join(' ')}\nstdout: ${stdoutRaw}\nstderr: ${stderr}`;
  const waitForLog = (match: (l: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> => {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    const found = new Promise<LogLine>((resolve) => waiters.add({ match, resolve }));
    const ended = exited.then((e): never => {
      throw new Error(`the service exited (code ${e.code}, signal ${e.signal}) before the awaited log line\n${describe()}`);
    });
    return withTimeout(Promise.race([found, ended]), timeoutMs, `a log line from ${describe()}`);
  };
  try {
    const listening = await waitForLog((l) => l.msg === 'listening', START_TIMEOUT_MS);
    return {
      child,
      url: String(listening.url),
      listening,
      logs,
      stdout: () => stdoutRaw,
      stderr: () => stderr,
      waitForLog,
      async stop(signal = 'SIGTERM') {
        child.kill(signal);
        return withTimeout(exited, 15_000, `the service to exit\n${describe()}`);
      },
    };
  } catch (e) {
    await kill(child);
    throw e;
  }
}

/** `fetch` with a deadline, so a hung service fails the test instead of the run. */
export function fetchWithin(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
}
