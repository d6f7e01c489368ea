import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { BENCH_FORM, REGISTRATION } from './sample-document.ts';

/** Child processes for benchmarks: started, waited for, and always stopped. */

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const children = new Set<ChildProcess>();

export function stopAll(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}
process.once('exit', stopAll);
// Ctrl-C or a kill of the benchmark must not leave servers behind: 'exit' alone does not run on a signal.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    stopAll();
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}

/** A free loopback port (the OS picks it; the tiny window before the child binds it is acceptable here). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Runs a TypeScript file with tsx; resolves with the first line it prints. */
export function startScript(file: string, args: string[] = [], timeoutMs = 20_000): Promise<{ child: ChildProcess; firstLine: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} printed nothing within ${timeoutMs} ms`)), timeoutMs);
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n')[0];
      if (buffered.includes('\n') && line !== undefined) {
        clearTimeout(timer);
        child.stdout?.resume();
        resolve({ child, firstLine: line.trim() });
      }
    });
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
}

/** The environment without the variables that would configure a child behind the benchmark's back. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(FORMGATE_|OTEL_)/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** `formgate serve` with the given flags on a free port; resolves once /health/live answers. */
export interface StartOptions {
  /** What runs `formgate`: the launcher (the sources, through tsx) unless told, e.g. a build's cli.js. */
  entry?: string;
  /** How often /health/live is asked. */
  pollMs?: number;
  timeoutMs?: number;
}

export async function startFormgate(flags: string[], env: Record<string, string> = {}, options: StartOptions = {}): Promise<{ child: ChildProcess; url: string }> {
  const { entry = 'bin/formgate.js', pollMs = 200, timeoutMs = 60_000 } = options;
  const port = await freePort();
  const child = spawn(process.execPath, [entry, 'serve', '--port', String(port), '--log-level', 'warn', ...flags], {
    cwd: ROOT,
    env: cleanEnv(env),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`formgate ${shown(flags)} exited with ${child.exitCode}`);
    const live = await fetch(`${url}/health/live`).then((r) => r.ok, () => false);
    if (live) return { child, url };
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new Error(`formgate ${shown(flags)} did not answer within ${timeoutMs} ms`);
}

/** Flags for an error message, without the values that may hold credentials. */
function shown(flags: string[]): string {
  return flags.map((flag, i) => (/^--(database-url|auth-client-secret)$/.test(flags[i - 1] ?? '') ? '…' : flag)).join(' ');
}


/** Creates the one document the overhead benchmarks read; returns its path. */
export async function createBenchDocument(url: string, token?: string): Promise<string> {
  const created = await fetch(`${url}/api/v1/forms/${BENCH_FORM}/documents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(REGISTRATION),
  });
  if (created.status !== 201) throw new Error(`creating the benchmark document failed: ${created.status} ${await created.text()}`);
  const { id } = (await created.json()) as { id: string };
  return `/api/v1/forms/${BENCH_FORM}/documents/${id}`;
}

/** Runs a TypeScript file with tsx to its end; resolves with what it printed on stdout. Killed after timeoutMs. */
export function runScript(file: string, args: string[], timeoutMs: number): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      children.delete(child);
      if (code === 0) resolve(output);
      else reject(new Error(`${file} exited with ${code}`));
    });
  });
}

/** Stops a child and waits until it is gone (SIGKILL after timeoutMs), so the next measurement has the machine. */
export function stop(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
