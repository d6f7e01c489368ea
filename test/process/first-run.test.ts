import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { fetchWithin, killAll, runCli, startServe } from '../support/process.ts';

/**
 * What tripped a new user, as a real `formgate` process shows it: a forms file edited while serving, a
 * port someone else holds.
 */

const OPEN = ['--database-url', 'memory://', '--protect', 'none', '--log-level', 'info'];
const formsYaml = (...names: string[]) => `forms:\n${names.map((n) => `  ${n}:\n    title: The ${n} form\n    fields:\n      name: { type: text, required: true }\n`).join('')}`;

afterAll(killAll);

async function until(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Generous: on a loaded machine a CLI start alone can take most of a minute.
describe.concurrent('formgate serve, for a newcomer', { timeout: 150_000 }, () => {
  it('picks up an edited forms file without a restart, and keeps serving through a broken edit', async ({ expect, onTestFinished }) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'formgate-serve-forms-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'forms.yaml');
    await writeFile(file, formsYaml('contact'));
    const server = await startServe(['--port', '0', '--forms', file, ...OPEN]);
    onTestFinished(() => server.kill());
    const names = async () => ((await (await fetchWithin(`${server.url}/api/v1/forms`)).json()) as { items: { name: string }[] }).items.map((f) => f.name);
    expect(await names()).toEqual(['contact']);
    // An in-memory database is new each time: the startup line says its migrations were applied.
    expect(server.logs.find((l) => l.msg.startsWith('Formgate listening'))?.migrations).toMatch(/^applied \d+ migrations?$/);

    await writeFile(file, formsYaml('contact', 'survey'));
    await until(async () => (await names()).includes('survey'), 'the new form');

    await writeFile(file, 'forms: [');
    const warned = await server.waitForLog((l) => l.level === 'warn' && l.msg.startsWith('forms file unusable'), 20_000);
    expect(warned.problem).toContain('invalid YAML');
    const health = await fetchWithin(`${server.url}/health`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as { status: string; checks: Record<string, { status: string }[]> };
    expect(body.status).toBe('warn');
    expect(body.checks['forms:file']?.[0]?.status).toBe('warn');
    expect(await names()).toEqual(['contact', 'survey']);

    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('stops with exit 2 and one line naming the fix when the port is taken', async ({ expect, onTestFinished }) => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => holder.close(() => resolve())));
    const port = (holder.address() as { port: number }).port;

    const r = await runCli(['serve', '--port', String(port), '--host', '127.0.0.1', ...OPEN], { timeoutMs: 120_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`formgate: port ${port} on 127.0.0.1 is in use: choose another with --port or FORMGATE_PORT (0 picks a free one)\n`);
  });
});
