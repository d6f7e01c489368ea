import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { childEnv, eventually, REPO_ROOT, START_TIMEOUT_MS, withTimeout } from '../support/process.ts';
import { Browser, signInAtExample } from '../support/web.ts';

/**
 * The README's two commands for the halves apart on one machine: `npm start -- --no-ui` (the example
 * identity service and the API) and `npm start -- --no-api --api-url … --port …` (the web client alone),
 * as real launchers in one temporary directory, on free ports.
 */

interface Launcher {
  readonly child: ChildProcess;
  output: string;
  readonly exit: Promise<number | null>;
}

function launch(dir: string, args: string[], env: Record<string, string>): Launcher {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'start-dev.js'), ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: childEnv({ FORMGATE_LOG_LEVEL: 'info', AUTH_LOG_LEVEL: 'error', ...env }),
  });
  const launcher: Launcher = { child, output: '', exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (c: Buffer) => (launcher.output += c.toString('utf8')));
  return launcher;
}

async function printed(launcher: Launcher, marker: string): Promise<void> {
  await withTimeout(
    eventually(() => (launcher.output.includes(marker) ? true : undefined), START_TIMEOUT_MS, marker),
    START_TIMEOUT_MS + 1000,
    marker,
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n--- output ---\n${launcher.output}`);
  });
}

async function stop(launcher: Launcher | undefined): Promise<number | null | undefined> {
  if (launcher === undefined || launcher.child.exitCode !== null) return launcher?.child.exitCode;
  process.kill(-launcher.child.pid!, 'SIGINT');
  return withTimeout(launcher.exit, 20_000, 'the launcher to exit');
}

let dir: string;
let api: Launcher;
let web: Launcher | undefined;
let apiUrl: string;
let authUrl: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'formgate-start-split-'));
  api = launch(dir, ['--no-ui'], { FORMGATE_PORT: '0', AUTH_PORT: '0', FORMGATE_DATABASE_URL: `file://${join(dir, 'data')}` });
  await printed(api, 'Ctrl-C stops both');
  apiUrl = /Formgate is running at (http:\/\/\S+) /.exec(api.output)![1]!;
  authUrl = /identity service is at (http:\/\/\S+);/.exec(api.output)![1]!;
}, START_TIMEOUT_MS + 5000);

afterAll(async () => {
  await stop(web).catch(() => {});
  await stop(api).catch(() => {});
  await rm(dir, { recursive: true, force: true });
}, 45_000);

describe('npm start, the two halves apart', () => {
  test('the API half says the web client is off and how to run it apart', () => {
    expect(api.output).toContain(`The web client is off (--no-ui). Run it apart, in another terminal:\n  npm start -- --no-api --api-url ${apiUrl} --port 8081`);
    expect(api.output).toMatch(/Formgate listening on http:\/\/\S+ \(the API alone\)/);
  });

  test('the web half without an identity service running says to start the API half first', async () => {
    const alone = launch(dir, ['--no-api', '--api-url', apiUrl, '--port', '0'], { AUTH_PORT: '1' });
    expect(await withTimeout(alone.exit, START_TIMEOUT_MS, 'the launcher to give up')).toBe(1);
    expect(alone.output).toContain('start the API half first, with npm start -- --no-ui');
  }, START_TIMEOUT_MS + 5000);

  test('the web half registers itself at the running identity service, and alice signs in and fills in a form', async () => {
    web = launch(dir, ['--no-api', '--api-url', apiUrl, '--port', '0'], { AUTH_PORT: new URL(authUrl).port });
    await printed(web, 'Ctrl-C stops the web client');
    const webUrl = /Open (http:\/\/\S+) in a browser and sign in as alice/.exec(web.output)![1]!;
    expect(web.output).toContain(`(the web client alone; the API at ${apiUrl})`);
    expect(web.output).toContain(`registered the web client formgate-web for ${webUrl}`);

    const browser = new Browser(webUrl);
    const home = await signInAtExample(browser);
    expect(home.url).toBe(`${webUrl}/`);
    expect(home.body).toContain('Signed in as Alice Example');
    const form = await browser.go(`${webUrl}/forms/contact/new`);
    expect(form.res.status).toBe(200);
    const sent = await browser.post('/forms/contact/new', { name: 'Ada', email: 'ada@example.org', message: 'Sent through the web client alone' }, form.body);
    expect(sent.res.status).toBe(200);
    expect(sent.body).toContain('Sent through the web client alone');
  }, START_TIMEOUT_MS + 20_000);

  test('Ctrl-C stops the web half alone; the API half keeps running', async () => {
    expect(await stop(web)).toBe(0);
    expect(web!.output).toMatch(/SIGINT: stopping the web client/);
    expect((await fetch(`${apiUrl}/health/live`)).status).toBe(200);
  }, 25_000);
});
