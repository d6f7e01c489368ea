import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  killAll as killAllAuth,
  runCli as runAuthCli,
  startServe as startAuthServe,
} from '../../auth-service-example/test/support/process.ts';
import { delay, fetchWithin, killAll, REPO_ROOT, runCli, startServe, withTimeout } from '../support/process.ts';
import { assembleImage, type AssembledImage } from './assemble.ts';
import { buildPlan, type BuildPlan } from './build-output.ts';
import { parseDockerfile } from './dockerfile.ts';
import { mountedFile, serviceOf } from './services.ts';

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

/** A port free on the loopback now: the web client's public URL names its port before it starts. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A Formgate service's environment from compose.yaml, with this machine's addresses in place of the
 * compose network's and the repository's files in place of the mounted secrets; tracing stays off.
 */
function composeEnv(service: string, replace: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(serviceOf(service).environment)) {
    if (value === undefined || key.startsWith('OTEL_')) continue;
    const mounted = key.endsWith('_FILE') ? mountedFile(service, value) : undefined;
    env[key] = replace[key] ?? (mounted === undefined ? value : path.join(REPO_ROOT, mounted));
  }
  return env;
}

describe('the split of compose.yaml, laid out from the build: formgate-api, formgate-web and the identity service', () => {
  it('serves pages from formgate-web through formgate-api, opening no database, and signs in as the development client', { timeout: 120_000 }, async () => {
    const auth = await startAuthServe(
      ['--users', 'users.example.yaml', '--key-file', path.join(tmp, 'split-signing-key.json'), '--host', '127.0.0.1', '--port', '0'],
      { ...entrypoint('auth'), env: imageEnv('auth') },
    );
    const api = await startServe([], {
      ...entrypoint('formgate'),
      env: {
        ...imageEnv('formgate'),
        ...composeEnv('formgate-api', { FORMGATE_HOST: '127.0.0.1', FORMGATE_PORT: '0', FORMGATE_DATABASE_URL: 'memory://', FORMGATE_AUTH_URL: `${auth.url}/validate` }),
      },
    });
    const webUrl = `http://127.0.0.1:${await freePort()}`;
    const web = await startServe([], {
      ...entrypoint('formgate'),
      env: {
        // The image's FORMGATE_DATABASE_URL, made one nobody answers at: a web client that opened it would fail.
        ...imageEnv('formgate'),
        FORMGATE_DATABASE_URL: 'postgres://formgate@127.0.0.1:1/none',
        ...composeEnv('formgate-web', {
          FORMGATE_HOST: '127.0.0.1',
          FORMGATE_PORT: new URL(webUrl).port,
          FORMGATE_API_URL: api.url,
          FORMGATE_UI_PUBLIC_URL: webUrl,
          FORMGATE_UI_ISSUER: auth.url,
        }),
      },
    });
    expect(web.url).toBe(webUrl);

    const home = await fetchWithin(`${webUrl}/`);
    expect(home.status, 'the home page of formgate-web').toBe(200);
    // Anonymous under --protect writes: no form to offer, but the page asked formgate-api which.
    expect(await home.text()).toMatch(/the forms anyone may use/i);
    await api.waitForLog((l) => l.msg === 'request' && l.path === '/api/v1/me' && l.status === 200);
    const health = await fetchWithin(`${webUrl}/health`);
    expect(health.status, await health.clone().text()).toBe(200);

    // Discovery at the issuer, then the browser is sent to the provider as the registered client.
    const signIn = await fetchWithin(`${webUrl}/auth/sign-in`, { redirect: 'manual' });
    const to = new URL(signIn.headers.get('location') ?? 'none:');
    expect(`${to.origin}${to.pathname}`, 'sign-in sends the browser to the provider').toBe(`${auth.url}/authorize`);
    expect(to.searchParams.get('client_id')).toBe(serviceOf('formgate-web').environment.FORMGATE_UI_CLIENT_ID);

    // The development secret opens the shipped client: the provider checks the client before the grant.
    const secret = readFileSync(path.join(REPO_ROOT, mountedFile('formgate-web', serviceOf('formgate-web').environment.FORMGATE_UI_CLIENT_SECRET_FILE!)!), 'utf8').trim();
    const grant = async (clientSecret: string) => {
      const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'none', client_id: 'formgate-web', client_secret: clientSecret });
      const res = await fetchWithin(`${auth.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
      return ((await res.json()) as { error?: string }).error;
    };
    expect(await grant(secret), 'the development client secret').toBe('invalid_grant');
    expect(await grant(`${secret.slice(0, -1)}x`), 'a wrong secret').toBe('invalid_client');

    // Its health includes the API's: compose's depends_on and health checks rest on this.
    expect(await api.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    // The API's health is kept a few seconds; asked again until it lapses (bounded).
    let status = 200;
    for (let i = 0; i < 60 && status === 200; i++) {
      await delay(250);
      status = (await fetchWithin(`${webUrl}/health`)).status;
    }
    expect(status, 'formgate-web /health without formgate-api').toBe(503);
    expect(await web.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(await auth.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
