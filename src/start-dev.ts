import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

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
// Long enough for a cold PGlite start and migrations on a slow machine, short enough to notice a hang.
const READY_WITHIN_MS = 60_000;
const STOP_WITHIN_MS = 15_000;

interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number>;
  /** The URL from the service's "listening" log line. */
  readonly ready: Promise<string>;
}

function startService(name: string, script: string, args: string[]): Service {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
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
  const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
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
  const died = service.exited.then((code) => Promise.reject(new Error(`${service.name} exited with code ${code} before it was ready (its log is above)`)));
  return Promise.race([service.ready, late, died]).finally(() => clearTimeout(timer));
}

/** Stops the services in the reverse order of their start, so Formgate's last requests can still ask the identity service. */
async function stopAll(services: Service[]): Promise<number[]> {
  const force = setTimeout(() => services.forEach(({ child }) => child.kill('SIGKILL')), STOP_WITHIN_MS);
  const codes: number[] = [];
  for (const { child, exited } of [...services].reverse()) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    codes.push(await exited);
  }
  clearTimeout(force);
  return codes;
}

/** The first start copies the example users, so `users add` changes a file of the developer's, not the repository's. */
async function prepareUsers(): Promise<void> {
  await mkdir(STATE_DIR, { recursive: true });
  if (existsSync(USERS_FILE)) return;
  await copyFile(join(exampleDir, 'users.example.yaml'), USERS_FILE);
  process.stdout.write(`start   | first start: copied the example users to ${USERS_FILE}\n`);
}

function formgateArgs(authUrl: string): string[] {
  // The example forms unless the developer has a forms file of their own (as `formgate serve` decides it).
  const forms = process.env.FORMGATE_FORMS || existsSync('forms.yaml') ? [] : ['--forms', relative(process.cwd(), join(root, 'examples', 'forms.yaml'))];
  return ['serve', '--protect', 'writes', '--auth-url', `${authUrl}/validate`, ...forms, ...process.argv.slice(2)];
}

function instructions(formgateUrl: string, authUrl: string): string {
  const cli = `node ${relative(process.cwd(), join(exampleDir, 'bin', 'auth-service.js'))}`;
  return `
Formgate is running at ${formgateUrl} (API reference: ${formgateUrl}/docs), writes need a token.
The example identity service is at ${authUrl}; its users are in ${USERS_FILE} (alice / alice-password, bob / bob-password).

Get a token for alice:
  TOKEN=$(curl -s ${authUrl}/token -d grant_type=password -d username=alice -d password=alice-password | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')

Create a document with it:
  curl -s ${formgateUrl}/api/v1/forms/expense-report/documents -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"employeeId":"AB12345","spentOn":"2026-11-20","amount":42.5,"category":"travel"}'

List the expense reports alice may see (hers: the form lets each signed-in user read their own):
  curl -s ${formgateUrl}/api/v1/forms/expense-report/documents -H "Authorization: Bearer $TOKEN"

Add a user: ${cli} users add carol --groups staff --users ${USERS_FILE}
Ctrl-C stops both.
`;
}

async function main(): Promise<void> {
  await prepareUsers();
  const services: Service[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (reason: string, code: number) =>
    (stopping ??= (async () => {
      process.stdout.write(`start   | ${reason}: stopping both services\n`);
      const codes = await stopAll(services);
      process.exit(codes.every((c) => c === 0) ? code : 1);
    })());
  process.on('SIGINT', () => void stop('SIGINT', 0));
  process.on('SIGTERM', () => void stop('SIGTERM', 0));

  try {
    const auth = startService('auth', join(exampleDir, 'bin', 'auth-service.js'), ['serve', '--users', USERS_FILE, '--key-file', KEY_FILE]);
    services.push(auth);
    const authUrl = await untilReady(auth);
    const formgate = startService('formgate', join(root, 'bin', 'formgate.js'), formgateArgs(authUrl));
    services.push(formgate);
    const formgateUrl = await untilReady(formgate);
    // Either one stopping on its own leaves the other useless: stop both and say so.
    for (const service of services) void service.exited.then((code) => stop(`${service.name} exited with code ${code}`, 1));
    process.stdout.write(instructions(formgateUrl, authUrl));
  } catch (e) {
    await stop(e instanceof Error ? e.message : String(e), 1);
  }
}

await main();
