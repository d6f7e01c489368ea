import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { exportingTo, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';
import { childEnv, eventually, REPO_ROOT, START_TIMEOUT_MS, withTimeout } from '../support/process.ts';
import { Browser, signInAtExample } from '../support/web.ts';

/**
 * `npm start` as a developer gets it: the example identity service and Formgate as real processes, the
 * commands it prints run by bash as printed, and one request's trace exported by both processes over
 * OTLP/HTTP to a receiver in this test. Ports are free ones and the state lives in a temporary directory.
 */

const SPAN_WAIT_MS = 15_000;

let dir: string;
let receiver: OtlpReceiver;
let launcher: ChildProcess;
let output = '';
let exit: Promise<number | null>;
let formgateUrl: string;
let authUrl: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'formgate-start-'));
  receiver = await startOtlpReceiver();
  // A process group of its own, like a terminal's foreground job, so the test can press "Ctrl-C" on the group.
  launcher = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'start-dev.js')], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: childEnv({
      OTEL_SDK_DISABLED: undefined,
      // Quieter levels set in the shell would hide the "listening" lines the launcher waits for.
      FORMGATE_LOG_LEVEL: 'warn',
      AUTH_LOG_LEVEL: 'error',
      FORMGATE_PORT: '0',
      AUTH_PORT: '0',
      FORMGATE_DATABASE_URL: `file://${join(dir, 'data')}`,
      ...exportingTo(receiver.endpoint),
      OTEL_BSP_SCHEDULE_DELAY: '200',
    }),
  });
  launcher.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  launcher.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  exit = new Promise((resolve) => launcher.once('exit', (code) => resolve(code)));
  await withTimeout(
    eventually(() => (output.includes('Ctrl-C stops both') ? true : undefined), START_TIMEOUT_MS, 'the printed instructions'),
    START_TIMEOUT_MS + 1000,
    `npm start's instructions; output so far:\n${output}`,
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n--- output ---\n${output}`);
  });
  formgateUrl = /Formgate is running at (http:\/\/\S+) /.exec(output)![1]!;
  authUrl = /identity service is at (http:\/\/\S+);/.exec(output)![1]!;
}, START_TIMEOUT_MS + 5000);

afterAll(async () => {
  // After a failure: ask the launcher to stop its services first; only then force the matter.
  if (launcher && launcher.exitCode === null) {
    launcher.kill('SIGTERM');
    await withTimeout(exit, 20_000, 'the launcher to exit').catch(() => launcher.kill('SIGKILL'));
  }
  await receiver?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function aliceToken(): Promise<string> {
  const res = await fetch(`${authUrl}/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', username: 'alice', password: 'alice-password' }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

/** The indented command lines the launcher printed under `heading`. */
function printedCommand(heading: string): string {
  const lines = output.split('\n');
  const at = lines.findIndex((l) => l.startsWith(heading));
  expect(at, `"${heading}" in:\n${output}`).toBeGreaterThan(-1);
  return lines[at + 1]!.trim();
}

describe('npm start', () => {
  test('package.json starts the launcher this test runs', async () => {
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe('node bin/start-dev.js');
  });

  test('makes the web client its owner-only session secret, registers it or says why sign-in is off, and serves its pages', async () => {
    const secret = await stat(join(dir, '.formgate', 'web', 'session-secret'));
    expect(secret.mode & 0o777).toBe(0o600);
    expect((await readFile(join(dir, '.formgate', 'web', 'session-secret'), 'utf8')).trim().length).toBeGreaterThanOrEqual(32);
    const registered = output.includes('registered the web client formgate-web');
    // The example service registers the client; where it cannot, the launcher says why and runs without sign-in.
    expect(registered, output).toBe(true);
    if (registered) {
      expect((await stat(join(dir, '.formgate', 'web', 'client-secret'))).mode & 0o777).toBe(0o600);
      expect(output).toContain(`Open ${formgateUrl} in a browser and sign in as alice (password alice-password).`);
      // As the hint says: sign in as alice through the example's login page, and land on the forms.
      const browser = new Browser(formgateUrl);
      const { body, url } = await signInAtExample(browser);
      expect(url).toBe(`${formgateUrl}/`);
      expect(browser.urls.some((u) => u.startsWith(`${authUrl}/authorize?`))).toBe(true);
      expect(body).toContain('Signed in as Alice Example');
      expect(body).toContain('Expense report');
    } else {
      expect(output).toMatch(/sign-in is off: the example identity service could not register the web client \(.+\)/);
    }
    const home = await fetch(`${formgateUrl}/`, { redirect: 'manual' });
    expect(home.status).toBe(200);
    expect(home.headers.get('content-security-policy')).toContain("default-src 'none'");
    await home.body?.cancel();
  });

  test('the printed curl commands get a token and create a document; without the token the create is refused', async () => {
    const script = `set -e\n${printedCommand('Get a token for alice:')}\n${printedCommand('Create a document with it:')}\n`;
    const { stdout } = await promisify(execFile)('bash', ['-c', script], { cwd: dir, timeout: 20_000 });
    const created = JSON.parse(stdout) as { id: string; data: Record<string, unknown>; createdBy: string };
    expect(created.data).toMatchObject({ employeeId: 'AB12345', category: 'travel' });
    expect(created.createdBy).toBe('alice');

    const anonymous = await fetch(`${formgateUrl}/api/v1/forms/expense-report/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ employeeId: 'AB12345', spentOn: '2026-11-20', amount: 1, category: 'travel' }),
    });
    expect(anonymous.status).toBe(401);
    const listScript = `set -e\n${printedCommand('Get a token for alice:')}\n${printedCommand('List the expense reports alice may see')}\n`;
    const list = await promisify(execFile)('bash', ['-c', listScript], { cwd: dir, timeout: 20_000 });
    const page = JSON.parse(list.stdout) as { items: { id: string }[] };
    expect(page.items.map((d) => d.id)).toContain(created.id);
  });

  test("what /me promises a caller without a token is what the API does: no creates under --protect writes, no one's registration", async () => {
    const bodies: Record<string, unknown> = {
      contact: { name: 'Ann', email: 'ann@example.org', message: 'Hello there, team' },
      'expense-report': { employeeId: 'AB12345', spentOn: '2026-11-20', amount: 1, category: 'travel' },
      'event-registration': { fullName: 'Ada Lovelace', email: 'ada@example.org', acceptsCodeOfConduct: true },
    };
    const me = (await (await fetch(`${formgateUrl}/api/v1/me`)).json()) as { forms: { name: string; may: { create: boolean; read: string } }[] };
    expect(me.forms.map((f) => f.name).sort()).toEqual(Object.keys(bodies).sort());
    for (const { name, may } of me.forms) {
      const res = await fetch(`${formgateUrl}/api/v1/forms/${name}/documents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(bodies[name]) });
      expect([name, may.create], `POST ${name}: ${res.status}`).toEqual([name, res.status === 201]);
      expect(res.status).toBe(401);
    }
    // Reads need no token under --protect writes, but the registrations are for the staff who run the event.
    const registrations = `${formgateUrl}/api/v1/forms/event-registration/documents`;
    expect(me.forms.find((f) => f.name === 'event-registration')?.may.read).toBe('none');
    expect((await fetch(registrations)).status).toBe(403);
    expect((await fetch(registrations, { headers: { authorization: `Bearer ${await aliceToken()}` } })).status).toBe(200);
    const form = (await (await fetch(`${formgateUrl}/api/v1/forms/event-registration`)).json()) as Record<string, unknown>;
    expect(form).not.toHaveProperty('access');
  });

  test("one create's trace crosses both services: Formgate's server span, its validation span, the identity service's span", async () => {
    const isCreate = (s: ReceivedSpan) => s.service === 'formgate' && s.name === 'POST /api/v1/forms/:form/documents';
    const trace = await eventually(
      () => {
        for (const server of receiver.spans.filter(isCreate)) {
          const inTrace = receiver.spans.filter((s) => s.traceId === server.traceId);
          const validation = inTrace.find((s) => s.name === 'identity.validate' && s.parentSpanId === server.spanId);
          const remote = inTrace.find((s) => s.service !== 'formgate' && s.name === 'POST /validate');
          if (validation && remote) return { server, validation, remote, inTrace };
        }
        return undefined;
      },
      SPAN_WAIT_MS,
      `a create trace with spans from both services; got: ${receiver.spans.map((s) => `${s.service}:${s.name}`).join(', ')}`,
    );
    expect(trace.validation.attributes).toMatchObject({ 'formgate.auth.protocol': 'formgate', 'formgate.auth.outcome': 'valid' });
    // The identity service's span hangs under Formgate's call to it, which hangs under the validation span.
    const call = trace.inTrace.find((s) => s.spanId === trace.remote.parentSpanId);
    expect(call?.service).toBe('formgate');
    expect(call?.parentSpanId).toBe(trace.validation.spanId);
    expect(trace.remote.service).toBe('formgate-auth-example');
    expect(trace.inTrace.some((s) => s.name === 'INSERT documents' && s.parentSpanId === trace.server.spanId)).toBe(true);
  });

  test('a signed-in user may create documents in every example form', async () => {
    const me = await fetch(`${formgateUrl}/api/v1/me`, { headers: { authorization: `Bearer ${await aliceToken()}` } });
    const { forms } = (await me.json()) as { forms: { name: string; may: { create: boolean } }[] };
    expect(forms.map((f) => [f.name, f.may.create])).toEqual(forms.map((f) => [f.name, true]));
  });

  test('the tokens never reach the trace exports', async () => {
    const token = await aliceToken();
    await fetch(`${formgateUrl}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    await eventually(() => (receiver.spans.some((s) => s.name === 'GET /api/v1/me') ? true : undefined), SPAN_WAIT_MS, 'the /me span');
    expect(receiver.bodies.join('\n')).not.toContain(token);
    expect(receiver.bodies.join('\n')).not.toContain('alice-password');
  });

  test('the users file it copied is private to its owner', async () => {
    expect((await stat(join(dir, '.formgate', 'auth', 'users.yaml'))).mode & 0o777).toBe(0o600);
  });

  test('Ctrl-C (SIGINT to the whole foreground group) stops both services, Formgate first, and the launcher exits 0', async () => {
    process.kill(-launcher.pid!, 'SIGINT');
    expect(await withTimeout(exit, 20_000, 'the launcher to exit')).toBe(0);
    await expect(fetch(`${formgateUrl}/health/live`)).rejects.toThrow();
    await expect(fetch(`${authUrl}/healthz`)).rejects.toThrow();
    expect(output).toMatch(/SIGINT: stopping both services/);
    // Formgate stops first, so its last requests could still reach the identity service.
    const lines = output.split('\n');
    const formgateStopped = lines.findIndex((l) => l.startsWith('formgate|') && l.includes('"msg":"stopped"'));
    const authSignalled = lines.findIndex((l) => l.startsWith('auth    |') && l.includes('"signal"'));
    expect(formgateStopped).toBeGreaterThan(-1);
    expect(authSignalled).toBeGreaterThan(formgateStopped);
  });
});
