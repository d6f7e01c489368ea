import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  killAll as killAllAuth,
  runCli as runAuthCli,
  startServe as startAuthServe,
} from '../../auth-service-example/test/support/process.ts';
import { fetchWithin, killAll, REPO_ROOT, runCli, startServe, withTimeout } from '../support/process.ts';
import { assembleImage, type AssembledImage } from './assemble.ts';
import { buildPlan, type BuildPlan } from './build-output.ts';
import { parseDockerfile } from './dockerfile.ts';

/**
 * What the images run, run: `npm run build` once per test run for each package (into a temporary folder,
 * never the checkout's dist/), each Dockerfile's final stage laid out from that build (assemble.ts), and
 * its start command run there as a real process: no src/, no tsx, only what the image copies.
 */

// Two tsc runs side by side on a shared two-core machine; generous, so only a hang fails it.
const BUILD_TIMEOUT_MS = 240_000;

const PACKAGES = {
  formgate: { dockerfile: 'Dockerfile', packageDir: '.' },
  auth: { dockerfile: 'auth-service-example/Dockerfile', packageDir: 'auth-service-example' },
} as const;
type Name = keyof typeof PACKAGES;

interface Built {
  readonly plan: BuildPlan;
  readonly outDir: string;
  readonly image: AssembledImage;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'formgate-build-'));
const built = {} as Record<Name, Built>;

/** `npm run build -- --out-dir DIR` in the package's folder, as the Dockerfile's build stage runs it. */
function npmBuild(packageDir: string, outDir: string): Promise<void> {
  const child = spawn('npm', ['run', 'build', '--silent', '--', '--out-dir', outDir], {
    cwd: path.join(REPO_ROOT, packageDir),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream.setEncoding('utf8').on('data', (d: string) => (output += d));
  const done = new Promise<void>((resolve, reject) =>
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`npm run build in ${packageDir} exited with ${code}:\n${output}`)))),
  );
  return withTimeout(done, BUILD_TIMEOUT_MS, `npm run build in ${packageDir}`).catch((e: unknown) => {
    child.kill('SIGKILL');
    throw e;
  });
}

function filesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

/** The packages the compiled modules import (`pino`, `@hono/node-server`), Node's own left out. */
function importedPackages(dir: string): Set<string> {
  const found = new Set<string>();
  // tsc writes each static import on one line of its own; dynamic ones are import("…") with a literal.
  const specifier = /^\s*(?:import|export)\s[^'"\n]*?from\s*['"]([^'"\n]+)['"]|^\s*import\s*['"]([^'"\n]+)['"]|\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/gm;
  for (const file of filesIn(dir).filter((f) => f.endsWith('.js'))) {
    for (const m of readFileSync(path.join(dir, file), 'utf8').matchAll(specifier)) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) continue;
      found.add(spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/'));
    }
  }
  return found;
}

/** The container's environment as the image sets it, for a process started in the laid-out image. */
const imageEnv = (name: Name): Record<string, string> => Object.fromEntries([...built[name].image.image.env].map(([k, s]) => [k, s.value]));

/** The image's start command with the arguments given in place of its CMD: [script, ...args]. */
function entrypoint(name: Name): { script: string; cwd: string } {
  const { image, workdir } = built[name].image;
  const [node, script] = image.entrypoint;
  if (node !== 'node' || script === undefined) throw new Error(`${PACKAGES[name].dockerfile}: ENTRYPOINT is not node SCRIPT`);
  return { script: path.join(workdir, script), cwd: workdir };
}

beforeAll(async () => {
  await Promise.all(
    (Object.keys(PACKAGES) as Name[]).map(async (name) => {
      const { dockerfile, packageDir } = PACKAGES[name];
      const outDir = path.join(tmp, 'build', name);
      await npmBuild(packageDir, outDir);
      const plan = buildPlan(REPO_ROOT, packageDir);
      const df = parseDockerfile(readFileSync(path.join(REPO_ROOT, dockerfile), 'utf8'));
      const image = assembleImage(df, plan, { contextDir: REPO_ROOT, builtDir: outDir, into: path.join(tmp, 'image', name) });
      built[name] = { plan, outDir, image };
    }),
  );
}, BUILD_TIMEOUT_MS + 10_000);

afterAll(async () => {
  await Promise.all([killAll(), killAllAuth()]);
  rmSync(tmp, { recursive: true, force: true });
});

describe.each(Object.keys(PACKAGES) as Name[])('npm run build of %s', (name) => {
  it('writes exactly the files its tsconfig.build.json plans (compiled sources, the assets beside them)', () => {
    const { plan, outDir } = built[name];
    expect(filesIn(outDir).sort()).toEqual([...plan.outputs.keys()].sort());
  });

  it('imports only its production dependencies from the compiled modules', () => {
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, PACKAGES[name].packageDir, 'package.json'), 'utf8')) as { dependencies?: object };
    const production = new Set(Object.keys(manifest.dependencies ?? {}));
    const imported = importedPackages(built[name].outDir);
    expect(imported.size, 'the scan finds imports at all').toBeGreaterThan(0);
    expect([...imported].filter((p) => !production.has(p))).toEqual([]);
  });
});

describe('the Formgate image, laid out from the build', () => {
  it('holds no TypeScript file (node_modules aside, which is the checkout\'s here)', () => {
    const files = filesIn(built.formgate.image.workdir);
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
  });

  it('prints its help and checks a forms file', async () => {
    const run = (args: string[]) => runCli(args, { ...entrypoint('formgate'), env: imageEnv('formgate') });
    const help = await run(['--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/formgate serve/);
    const check = await run(['forms', 'check', 'examples/forms.yaml']);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/forms OK/);
  });

  it('serves: migrates an in-memory database, answers /health/live, and stops on SIGTERM with exit 0', async () => {
    const server = await startServe(['--database-url', 'memory://', '--protect', 'none', '--host', '127.0.0.1', '--port', '0'], {
      ...entrypoint('formgate'),
      env: imageEnv('formgate'),
    });
    const live = await fetchWithin(`${server.url}/health/live`);
    expect(live.status).toBe(200);
    const forms = await fetchWithin(`${server.url}/api/v1/forms`);
    expect(forms.status, 'the migrated database and the forms file serve the API').toBe(200);
    // The /docs viewer is the one file of a dev dependency that the build carries; the image has no node_modules of it.
    const viewer = /src="(\/docs\/viewer-[^"]+)"/.exec(await (await fetchWithin(`${server.url}/docs`)).text())?.[1];
    expect(viewer, 'the /docs page names its viewer script').toBeDefined();
    expect((await fetchWithin(`${server.url}${viewer}`)).status).toBe(200);
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});

describe('the example identity service image, laid out from the build', () => {
  it('prints its help', async () => {
    const help = await runAuthCli(['--help'], { ...entrypoint('auth'), env: imageEnv('auth') });
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/auth-service/);
  });

  it('serves the example users, answers /healthz, and stops on SIGTERM with exit 0', async () => {
    const service = await startAuthServe(
      ['--users', 'users.example.yaml', '--key-file', path.join(tmp, 'signing-key.json'), '--host', '127.0.0.1', '--port', '0'],
      { ...entrypoint('auth'), env: imageEnv('auth') },
    );
    const health = await fetch(`${service.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
    expect(health.status).toBe(200);
    expect(await service.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
