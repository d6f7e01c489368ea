import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Database } from '../../src/db/connect.ts';
import { openLiveForms, type LiveForms } from '../../src/forms/live.ts';
import { createHostApp } from '../../src/host.ts';
import { createLogger } from '../../src/logger.ts';
import type { LogLine } from '../support/app.ts';
import { DRIVERS, openMigratedDatabase } from '../support/databases.ts';

/**
 * The forms file followed while the server runs: real files in a temp directory, the real host app, the
 * real watcher. A short poll would hide a broken watch, so these run with the default poll (5 s) and a
 * generous bound for each wait.
 */

const formsYaml = (...names: string[]) => `forms:\n${names.map((n) => `  ${n}:\n    title: The ${n} form\n    fields:\n      name: { type: text, required: true }\n`).join('')}`;

let database: Database;
beforeAll(async () => {
  database = await openMigratedDatabase(DRIVERS[0]!);
});
afterAll(() => database?.close());

async function setup(onFinished: (fn: () => Promise<void>) => void, options: { pollMs?: number } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'formgate-live-'));
  const file = path.join(dir, 'forms.yaml');
  await writeFile(file, formsYaml('contact'));
  const logs: LogLine[] = [];
  const logger = createLogger('info', { write: (chunk: string) => void chunk.split('\n').filter((l) => l.trim()).forEach((l) => logs.push(JSON.parse(l) as LogLine)) });
  const opened = await openLiveForms(file, logger, { debounceMs: 50, ...options });
  if (!opened.ok) throw new Error(JSON.stringify(opened.error));
  const live: LiveForms = opened.value;
  const app = createHostApp({
    config: { protect: { forms: 'none', documents: 'none' }, adminGroup: 'admin', auth: { healthUrl: null, timeoutMs: 1000 }, maxBodyBytes: 16_384 },
    database,
    forms: live.forms,
    formsFile: live.state,
    logger,
  });
  onFinished(async () => {
    await live.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const formNames = async () => ((await (await app.request('/api/v1/forms')).json()) as { items: { name: string }[] }).items.map((f) => f.name);
  const health = async () => {
    const res = await app.request('/health');
    const body = (await res.json()) as { status: string; checks: Record<string, { status: string; output?: string }[]> };
    return { code: res.status, status: body.status, forms: body.checks['forms:file']?.[0] };
  };
  return { dir, file, logs, live, app, formNames, health };
}

/** Polls `check` every 50 ms until it is true; fails after a generous bound (no timing is asserted). */
async function until(check: () => Promise<boolean> | boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const warnings = (logs: LogLine[]) => logs.filter((l) => l.msg === 'forms file unusable; still serving the last good version');

describe.concurrent('the forms file, followed', { timeout: 30_000 }, () => {
  it('serves a changed file to the next request, and /health passes', async ({ expect, onTestFinished }) => {
    const t = await setup(onTestFinished);
    expect(await t.formNames()).toEqual(['contact']);
    expect((await t.health()).forms?.status).toBe('pass');

    await writeFile(t.file, formsYaml('contact', 'survey'));
    await until(async () => (await t.formNames()).includes('survey'), 'the new form');
    const created = await t.app.request('/api/v1/forms/survey/documents', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ada' }) });
    expect(created.status).toBe(201);
    expect(t.logs.some((l) => l.msg === 'forms file reloaded' && (l.forms as string[]).includes('survey'))).toBe(true);
  });

  it('keeps the last good version of a broken file, warns once and in /health, and passes again once fixed', async ({ expect, onTestFinished }) => {
    const t = await setup(onTestFinished);
    await writeFile(t.file, 'forms:\n  contact:\n    title: [unclosed\n');
    await until(() => warnings(t.logs).length > 0, 'the warning');
    expect(await t.formNames()).toEqual(['contact']);
    const broken = await t.health();
    expect(broken.code).toBe(200);
    expect(broken.status).toBe('warn');
    expect(broken.forms?.status).toBe('warn');
    expect(broken.forms?.output).toContain('invalid YAML');
    expect(broken.forms?.output).toMatch(/loaded at \d{4}-\d\d-\d\dT/);
    expect(warnings(t.logs)[0]!.problem).toContain(`${t.file}:`);

    // The same broken file looked at again says nothing new.
    await t.live.reload();
    await t.health();
    expect(warnings(t.logs)).toHaveLength(1);

    // Valid YAML, invalid definitions: also kept out, with the mistake named.
    await writeFile(t.file, 'forms:\n  contact:\n    title: Contact\n    fields:\n      age: { type: integer, min: ten }\n');
    await until(() => warnings(t.logs).length > 1, 'the second warning');
    expect((await t.health()).forms?.output).toContain('forms.contact.fields.age.min');

    await writeFile(t.file, formsYaml('contact', 'fixed'));
    await until(async () => (await t.health()).forms?.status === 'pass', 'health to pass');
    expect((await t.health()).status).toBe('pass');
    expect(await t.formNames()).toEqual(['contact', 'fixed']);
  });

  it('follows a file replaced by rename, as editors save', async ({ expect, onTestFinished }) => {
    const t = await setup(onTestFinished);
    const temp = path.join(t.dir, '.forms.yaml.swp');
    await writeFile(temp, formsYaml('renamed'));
    await rename(temp, t.file);
    await until(async () => (await t.formNames()).includes('renamed'), 'the renamed-in form');
    expect(await t.formNames()).toEqual(['renamed']);
    // Replaced again: the watch still follows the new file, not the inode it started with.
    await writeFile(temp, formsYaml('again'));
    await rename(temp, t.file);
    await until(async () => (await t.formNames()).includes('again'), 'the second renamed-in form');
  });

  it('keeps the forms of a deleted file and warns, then follows it when it is back', async ({ expect, onTestFinished }) => {
    const t = await setup(onTestFinished);
    await rm(t.file);
    await until(async () => (await t.health()).forms?.status === 'warn', 'the warning');
    expect((await t.health()).forms?.output).toContain('no such file');
    expect(await t.formNames()).toEqual(['contact']);
    expect(warnings(t.logs)).toHaveLength(1);

    await writeFile(t.file, formsYaml('back'));
    await until(async () => (await t.formNames()).includes('back'), 'the restored file');
    expect((await t.health()).forms?.status).toBe('pass');
  });

  it('finds a change by polling alone when no event comes', async ({ expect, onTestFinished }) => {
    const t = await setup(onTestFinished, { pollMs: 200 });
    // The watch follows the directory it started on; once that is renamed away, nothing watches the new
    // directory made at the old path, and only the poll can see the file written there.
    const moved = `${t.dir}-moved`;
    await rename(t.dir, moved);
    onTestFinished(() => rm(moved, { recursive: true, force: true }));
    await until(async () => (await t.health()).forms?.status === 'warn', 'the warning for the vanished file');
    await mkdir(t.dir);
    await writeFile(t.file, formsYaml('polled'));
    await until(async () => (await t.formNames()).includes('polled'), 'the polled form');
    expect((await t.health()).forms?.status).toBe('pass');
  });

  it('stops following once stopped', async ({ expect, onTestFinished }) => {
    const t = await setup(onTestFinished, { pollMs: 100 });
    await t.live.stop();
    await writeFile(t.file, formsYaml('ignored'));
    await t.live.reload();
    await new Promise((r) => setTimeout(r, 400));
    expect(await t.formNames()).toEqual(['contact']);
  });
});
