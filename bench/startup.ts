import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startIdentityService } from './identity-client.ts';
import { cleanEnv, startFormgate, stop } from './processes.ts';
import type { Section } from './tables.ts';

/**
 * Start to ready: from spawning `formgate serve` to the first 200 from /health/live (polled every 10 ms),
 * and from spawning `formgate check-auth` to its exit, for each kind of database, run from the sources
 * (bin/formgate.js through tsx, as a checkout runs) and from the build (node dist/cli.js, as the image
 * runs). The median of several runs, each a new process.
 */

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const POLL_MS = 10;
const LIMIT_MS = 120_000;

export interface StartupRow {
  start: string;
  sourceMs: number;
  compiledMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function untilLive(entry: string, flags: string[], env: Record<string, string>): Promise<number> {
  const started = performance.now();
  const { child } = await startFormgate(['--protect', 'none', ...flags], env, { entry, pollMs: POLL_MS, timeoutMs: LIMIT_MS });
  const took = performance.now() - started;
  await stop(child);
  return took;
}

async function untilExit(entry: string, args: string[], env: Record<string, string>): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [entry, ...args], { cwd: ROOT, env: cleanEnv(env), stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  return performance.now() - started;
}

export async function startupTimes(options: { postgresUrl: string; runs: number }): Promise<StartupRow[]> {
  const work = await mkdtemp(path.join(tmpdir(), 'formgate-bench-startup-'));
  try {
    // Inside the checkout, so the compiled modules find its node_modules as dist/ would.
    const built = path.join(ROOT, '.formgate', `bench-dist-${process.pid}`);
    const build = spawnSync(process.execPath, ['bin/build.js', '--out-dir', built], { cwd: ROOT, stdio: 'ignore' });
    if (build.status !== 0) throw new Error('npm run build failed');
    const entries = { source: 'bin/formgate.js', compiled: path.join(built, 'cli.js') };
    const env = { FORMGATE_CACHE_DIR: path.join(work, 'cache') };
    const identity = await startIdentityService();
    const existing = path.join(work, 'existing');
    await untilLive(entries.source, ['--database-url', `file://${existing}`], env);
    let fresh = 0;
    let emptyCache = 0;
    const cases: Array<[string, (entry: string) => Promise<number>]> = [
      ['memory://', (e) => untilLive(e, ['--database-url', 'memory://'], env)],
      ['memory://, no template in the cache (a first start)', (e) => untilLive(e, ['--database-url', 'memory://'], { ...env, FORMGATE_CACHE_DIR: path.join(work, `empty-${emptyCache++}`) })],
      ['a new file:// directory', (e) => untilLive(e, ['--database-url', `file://${path.join(work, `new-${fresh++}`)}`], env)],
      ['an existing file:// directory', (e) => untilLive(e, ['--database-url', `file://${existing}`], env)],
      ['PostgreSQL (migrated)', (e) => untilLive(e, ['--database-url', options.postgresUrl], env)],
      ['check-auth (start to exit)', (e) => untilExit(e, ['check-auth', '--auth-url', identity.url, '--token', 'bench-startup'], env)],
    ];
    const rows: StartupRow[] = [];
    for (const [start, run] of cases) {
      const times = { source: [] as number[], compiled: [] as number[] };
      for (let i = 0; i < options.runs; i++) for (const kind of ['source', 'compiled'] as const) times[kind].push(await run(entries[kind]));
      rows.push({ start, sourceMs: median(times.source), compiledMs: median(times.compiled) });
    }
    identity.child.kill('SIGTERM');
    return rows;
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(path.join(ROOT, '.formgate', `bench-dist-${process.pid}`), { recursive: true, force: true });
  }
}

export function startupSection(rows: StartupRow[], runs: number): Section {
  const ms = (n: number) => n.toFixed(0);
  const memory = rows[0]!;
  const first = rows[1]!;
  return {
    heading: 'Start-up',
    command: 'npm run bench -- startup',
    method: `from spawning the process to the first 200 from /health/live (polled every ${POLL_MS} ms), or to the exit of check-auth; each start a new process, median of ${runs}; the sources through tsx (a checkout) and the build (node dist/cli.js, the image).`,
    table: [
      '| start | from the sources, tsx (ms) | compiled (ms) | compiled vs sources |',
      '|---|---:|---:|---:|',
      ...rows.map((r) => `| ${r.start} | ${ms(r.sourceMs)} | ${ms(r.compiledMs)} | ${(r.compiledMs / r.sourceMs).toFixed(2)} |`),
    ],
    reading: `A new in-memory database from the cached template takes ${(memory.compiledMs / first.compiledMs).toFixed(2)}× the time of one without it (compiled). Most of a PGlite start is PGlite's own: its WebAssembly PostgreSQL starting and unpacking the template.`,
  };
}
