import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { instructions, webOnlyInstructions } from './start-dev-help.ts';

/**
 * `npm start`: the example identity service and Formgate, wired together for a developer's machine.
 * Formgate runs on the embedded database with the example forms and protects writes; the identity service
 * keeps its users and signing key in `./.formgate/auth/`. Both logs come out here, each line marked with
 * its service; Ctrl-C (or SIGTERM) stops both and waits for them.
 *
 * Flags after `npm start --` go to Formgate; FORMGATE_* and AUTH_* variables reach their service as usual
 * (AUTH_PORT=0 and FORMGATE_PORT=0 pick free ports).
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const exampleDir = join(root, 'auth-service-example');
const STATE_DIR = join('.formgate', 'auth');
const USERS_FILE = join(STATE_DIR, 'users.yaml');
const KEY_FILE = join(STATE_DIR, 'signing-key.json');
const WEB_DIR = join('.formgate', 'web');
const SESSION_SECRET_FILE = join(WEB_DIR, 'session-secret');
const CLIENT_SECRET_FILE = join(WEB_DIR, 'client-secret');
/** The Formgate URL the client was registered for: another port needs another redirect URI. */
const REGISTERED_FOR_FILE = join(WEB_DIR, 'client-registered-for');
const WEB_CLIENT_ID = 'formgate-web';
const CLI_WITHIN_MS = 30_000;
// Long enough for a cold PGlite start and migrations on a slow machine, short enough to notice a hang.
const READY_WITHIN_MS = 60_000;
const STOP_WITHIN_MS = 15_000;

/** How a service ended: `clean` when it exited 0 or was ended by the SIGTERM the launcher sent. */
interface Ending {
  readonly clean: boolean;
  readonly description: string;
}

interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<Ending>;
  /** The URL from the service's "listening" log line. */
  readonly ready: Promise<string>;
}

// The launcher needs each service's info-level "listening" line; a quieter level set in the shell would hide it.
const QUIET_LEVELS = new Set(['warn', 'error', 'fatal', 'silent']);

function childEnv(levelVariable: string): NodeJS.ProcessEnv {
  const level = process.env[levelVariable]?.trim().toLowerCase();
  return { ...process.env, ...(level && QUIET_LEVELS.has(level) ? { [levelVariable]: 'info' } : {}) };
}

function startService(name: string, script: string, args: string[], levelVariable: string): Service {
  // A process group of its own: Ctrl-C reaches the launcher alone, which then stops the services in order.
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv(levelVariable), detached: true });
  const label = name.padEnd(8);
  let announce: (url: string) => void = () => {};
  const ready = new Promise<string>((resolve) => (announce = resolve));
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      const url = listeningUrl(line);
      if (url !== undefined) announce(url);
      process.stdout.write(`${label}| ${line}\n`);
    });
  }
  const exited = new Promise<Ending>((resolve) =>
    child.once('exit', (code, signal) =>
      resolve(
        signal === null
          ? { clean: code === 0, description: `exited with code ${code}` }
          : { clean: signal === 'SIGTERM', description: `was ended by ${signal}` },
      ),
    ),
  );
  return { name, child, exited, ready };
}

/** Both services log a JSON line with `url` once they listen. */
function listeningUrl(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line) as { msg?: unknown; url?: unknown };
    return typeof entry.url === 'string' && typeof entry.msg === 'string' && /listening/i.test(entry.msg) ? entry.url : undefined;
  } catch {
    return undefined;
  }
}

/** Waits for the service to listen; rejects when it exits first or takes too long. */
function untilReady(service: Service): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${service.name} did not start within ${READY_WITHIN_MS / 1000} s`)), READY_WITHIN_MS);
  });
  const died = service.exited.then((ending) => Promise.reject(new Error(`${service.name} ${ending.description} before it was ready (its log is above)`)));
  return Promise.race([service.ready, late, died]).finally(() => clearTimeout(timer));
}

/** Stops the services in the reverse order of their start, so Formgate's last requests can still ask the identity service. */
async function stopAll(services: Service[]): Promise<(Ending & { name: string })[]> {
  const force = setTimeout(() => services.forEach(({ child }) => child.kill('SIGKILL')), STOP_WITHIN_MS);
  const endings: (Ending & { name: string })[] = [];
  for (const { name, child, exited } of [...services].reverse()) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    endings.push({ name, ...(await exited) });
  }
  clearTimeout(force);
  return endings;
}

/** The first start copies the example users, so `users add` changes a file of the developer's, not the repository's. */
async function prepareUsers(): Promise<void> {
  await mkdir(STATE_DIR, { recursive: true });
  if (existsSync(USERS_FILE)) return;
  await copyFile(join(exampleDir, 'users.example.yaml'), USERS_FILE);
  // As private as the files the example's own CLI writes.
  await chmod(USERS_FILE, 0o600);
  process.stdout.write(`start   | first start: copied the example users to ${USERS_FILE}\n`);
}

/** The flag's value from `npm start -- …` (`--flag V` or `--flag=V`), else its environment twin. */
function given(flag: string, env: string): string | undefined {
  const args = process.argv.slice(2);
  let value: string | undefined;
  args.forEach((a, i) => {
    if (a === `--${flag}`) value = args[i + 1];
    else if (a.startsWith(`--${flag}=`)) value = a.slice(flag.length + 3);
  });
  return value ?? (process.env[env]?.trim() || undefined);
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Where Formgate will be, known before it starts: the redirect URI registered at the identity service
 * names it. Port 0 is resolved here to a free port, which Formgate is then told.
 */
async function plannedFormgate(): Promise<{ url: string; args: string[] }> {
  const host = given('host', 'FORMGATE_HOST') ?? '127.0.0.1';
  const port = Number(given('port', 'FORMGATE_PORT') ?? '8080');
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  if (port !== 0) return { url: `http://${reachable}:${port}`, args: [] };
  const picked = await freePort(host);
  return { url: `http://${reachable}:${picked}`, args: ['--port', String(picked)] };
}

async function writePrivate(file: string, content: string): Promise<void> {
  await writeFile(file, content, { mode: 0o600 });
  await chmod(file, 0o600);
}

const readIfThere = (file: string) => readFile(file, 'utf8').catch(() => undefined);

function runAuthCli(args: string[]): Promise<{ ok: true; stdout: string } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(exampleDir, 'bin', 'auth-service.js'), ...args], { timeout: CLI_WITHIN_MS, env: childEnv('AUTH_LOG_LEVEL') }, (error, stdout, stderr) => {
      if (error === null) resolve({ ok: true, stdout });
      else resolve({ ok: false, reason: (stderr.trim().split('\n')[0] ?? '') || error.message });
    });
  });
}

/**
 * The web client's secrets and its registration at the example service: a session secret made once, and
 * the client registered (its secret captured, owner-only) when there is none yet or Formgate moved to
 * another URL. Sign-in is left off, saying why, when the service cannot register it.
 */
async function prepareWebClient(formgateUrl: string): Promise<{ args: (issuer: string) => string[]; note?: string }> {
  const argv = process.argv.slice(2);
  if (argv.some((a) => a === '--no-ui' || a.startsWith('--ui-issuer'))) return { args: () => [] };
  await mkdir(WEB_DIR, { recursive: true, mode: 0o700 });
  if (!(await readIfThere(SESSION_SECRET_FILE))?.trim()) {
    await writePrivate(SESSION_SECRET_FILE, `${randomBytes(32).toString('base64url')}\n`);
  }
  const registeredFor = (await readIfThere(REGISTERED_FOR_FILE))?.trim();
  const secret = (await readIfThere(CLIENT_SECRET_FILE))?.trim();
  if (secret === undefined || secret === '' || registeredFor !== formgateUrl) {
    const created = await runAuthCli([
      'clients', 'create', WEB_CLIENT_ID,
      '--redirect-uri', `${formgateUrl}/auth/callback`,
      '--post-logout-redirect-uri', `${formgateUrl}/`,
      '--force',
      '--users', USERS_FILE,
    ]);
    if (!created.ok || created.stdout.trim() === '') {
      const reason = created.ok ? 'it printed no secret' : created.reason;
      return { args: () => [], note: `sign-in is off: the example identity service could not register the web client (${reason})` };
    }
    await writePrivate(CLIENT_SECRET_FILE, `${created.stdout.trim()}\n`);
    await writePrivate(REGISTERED_FOR_FILE, `${formgateUrl}\n`);
    process.stdout.write(`start   | registered the web client ${WEB_CLIENT_ID} for ${formgateUrl} (secret in ${CLIENT_SECRET_FILE})\n`);
  }
  return {
    args: (issuer) => ['--ui-issuer', issuer, '--ui-client-id', WEB_CLIENT_ID, '--ui-client-secret-file', CLIENT_SECRET_FILE, '--ui-session-secret-file', SESSION_SECRET_FILE],
  };
}

/** `npm start -- --no-api …`: the web client alone, for the API (and identity service) another `npm start -- --no-ui` runs. */
const webOnly = () => {
  const argv = process.argv.slice(2);
  if (argv.some((a) => a === '--no-api' || a === '--api=false')) return true;
  const i = argv.lastIndexOf('--api');
  if (i >= 0 && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) return /^(false|0|no|off)$/i.test(argv[i + 1]!);
  return i < 0 && /^(false|0|no|off)$/i.test(process.env.FORMGATE_API?.trim() ?? '');
};

/** `port`: the port picked for `--port 0`, last so it wins over the developer's own `--port 0`. */
function formgateArgs(authUrl: string, extra: string[], port: string[]): string[] {
  // A web client alone reads no forms file and asks no identity service: the API it talks to does.
  if (webOnly()) return ['serve', ...extra, ...process.argv.slice(2), ...port];
  // The example forms unless the developer has a forms file of their own (as `formgate serve` decides it).
  const forms = process.env.FORMGATE_FORMS || existsSync('forms.yaml') ? [] : ['--forms', relative(process.cwd(), join(root, 'examples', 'forms.yaml'))];
  return ['serve', '--protect', 'writes', ...identityFlags(authUrl), ...forms, ...extra, ...process.argv.slice(2), ...port];
}

/** `npm start -- --auth-protocol jwt` checks the example's tokens against its key set; otherwise it asks its /validate. */
function identityFlags(authUrl: string): string[] {
  const argv = process.argv.slice(2);
  const i = argv.lastIndexOf('--auth-protocol');
  const named = argv.findLast((a) => a.startsWith('--auth-protocol='))?.slice('--auth-protocol='.length) ?? (i >= 0 ? argv[i + 1] : undefined) ?? process.env.FORMGATE_AUTH_PROTOCOL;
  if (named?.trim().toLowerCase() === 'jwt') return ['--auth-issuer', authUrl, '--auth-audience', 'formgate'];
  return ['--auth-url', `${authUrl}/validate`];
}

/** The example identity service the API half started (AUTH_HOST/AUTH_PORT as for it), once it answers. */
async function runningIdentityService(): Promise<string> {
  const host = process.env.AUTH_HOST?.trim() || '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${process.env.AUTH_PORT?.trim() || '9000'}`;
  const answers = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(3000) }).then((r) => r.ok, () => false);
  if (!answers) throw new Error(`no example identity service answers at ${url}: start the API half first, with npm start -- --no-ui`);
  return url;
}

async function main(): Promise<void> {
  await prepareUsers();
  const services: Service[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (reason: string, code: number) =>
    (stopping ??= (async () => {
      process.stdout.write(`start   | ${reason}: stopping ${webOnly() ? 'the web client' : 'both services'}\n`);
      const endings = await stopAll(services);
      for (const e of endings) if (!e.clean) process.stdout.write(`start   | ${e.name} ${e.description}\n`);
      process.exit(endings.every((e) => e.clean) ? code : 1);
    })());
  // SIGHUP: the terminal closed. The services have process groups of their own, so they would not hear it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(signal, 0));

  try {
    // Before the identity service starts: it reads the registered client with its users.
    const planned = await plannedFormgate();
    const web = await prepareWebClient(planned.url);
    if (web.note !== undefined) process.stdout.write(`start   | ${web.note}\n`);
    let authUrl: string;
    if (webOnly()) {
      // The other half's `npm start -- --no-ui` runs the identity service; it reads the registration above live.
      authUrl = await runningIdentityService();
    } else {
      const auth = startService('auth', join(exampleDir, 'bin', 'auth-service.js'), ['serve', '--users', USERS_FILE, '--key-file', KEY_FILE], 'AUTH_LOG_LEVEL');
      services.push(auth);
      authUrl = await untilReady(auth);
    }
    const formgate = startService('formgate', join(root, 'bin', 'formgate.js'), formgateArgs(authUrl, web.args(authUrl), planned.args), 'FORMGATE_LOG_LEVEL');
    services.push(formgate);
    const formgateUrl = await untilReady(formgate);
    // Either one stopping on its own leaves the other useless: stop both and say so.
    for (const service of services) void service.exited.then((ending) => stop(`${service.name} ${ending.description}`, 1));
    process.stdout.write(webOnly() ? webOnlyInstructions(formgateUrl, given('api-url', 'FORMGATE_API_URL') ?? '(no --api-url)', web.note) : instructions(formgateUrl, authUrl, web.note, { authCli: join(exampleDir, 'bin', 'auth-service.js'), usersFile: USERS_FILE }));
  } catch (e) {
    await stop(e instanceof Error ? e.message : String(e), 1);
  }
}

await main();
