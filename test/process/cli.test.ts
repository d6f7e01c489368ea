import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { killAll, runCli, type CliResult } from '../support/process.ts';

/**
 * The CLI's answers that need no running server: usage and configuration mistakes (exit 2, one line
 * on stderr), `forms check`, `--help`, and a database that cannot be reached (exit 1). None of these
 * processes should ever reach "listening"; runCli kills any that outlive its timeout.
 */

const OPEN = ['--database-url', 'memory://', '--protect', 'none', '--log-level', 'info'];

/** stderr as lines, without the trailing newline. */
const lines = (r: CliResult) => r.stderr.replace(/\n$/, '').split('\n');

let dir: string;
let broken: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'formgate-process-cli-'));
  broken = join(dir, 'broken.yaml');
  // Line 4: a key forms don't have. Line 6: a field type that does not exist.
  await writeFile(
    broken,
    ['forms:', '  survey:', '    title: Survey', '    colour: blue', '    fields:', '      age: { type: integr, required: true }', ''].join('\n'),
  );
});

afterAll(async () => {
  await killAll();
  await rm(dir, { recursive: true, force: true });
});

describe.concurrent('configuration mistakes exit 2 with one line naming the flag', { timeout: 60_000 }, () => {
  it('--port abc', async ({ expect }) => {
    const r = await runCli(['serve', '--port', 'abc', ...OPEN]);
    expect(r.code).toBe(2);
    expect(lines(r)).toHaveLength(1);
    expect(r.stderr).toContain('--port');
    expect(r.stderr).toContain('"abc"');
    expect(r.stdout).toBe('');
  });

  it('FORMGATE_PORT=abc names the flag and the variable', async ({ expect }) => {
    const r = await runCli(['serve', ...OPEN], { env: { FORMGATE_PORT: 'abc' } });
    expect(r.code).toBe(2);
    expect(lines(r)).toHaveLength(1);
    expect(r.stderr).toContain('--port');
    expect(r.stderr).toContain('FORMGATE_PORT');
    expect(r.stdout).toBe('');
  });

  it('--auth-protocol nope --protect none', async ({ expect }) => {
    const r = await runCli(['serve', '--auth-protocol', 'nope', '--protect', 'none', '--database-url', 'memory://']);
    expect(r.code).toBe(2);
    expect(lines(r)).toHaveLength(1);
    expect(r.stderr).toContain('--auth-protocol');
    expect(r.stderr).toContain('"nope"');
    // The fix: the values that are allowed.
    expect(r.stderr).toMatch(/formgate, oidc, introspection/);
  });

  it('--protect all without --auth-url names both fixes', async ({ expect }) => {
    const r = await runCli(['serve', '--protect', 'all', '--database-url', 'memory://']);
    expect(r.code).toBe(2);
    expect(lines(r)).toHaveLength(1);
    expect(r.stderr).toContain('--protect');
    expect(r.stderr).toContain('--auth-url');
    expect(r.stderr).toContain('--protect none');
  });

  it('an unknown flag --nope', async ({ expect }) => {
    const r = await runCli(['serve', '--nope', ...OPEN]);
    expect(r.code).toBe(2);
    expect(lines(r)).toHaveLength(1);
    expect(r.stderr).toMatch(/\bnope\b/);
    expect(r.stdout).toBe('');
  });

  it('--protect does not swallow the command that follows it', async ({ expect }) => {
    const r = await runCli(['--protect', 'none', 'serve', '--port', 'abc']);
    expect(r.code).toBe(2);
    expect(lines(r)).toHaveLength(1);
    expect(r.stderr).toContain('--port');
  });
});

describe.concurrent('forms files and help', { timeout: 60_000 }, () => {
  it('forms check examples/forms.yaml exits 0 and names the forms', async ({ expect }) => {
    const r = await runCli(['forms', 'check', 'examples/forms.yaml']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const name of ['contact', 'expense-report', 'event-registration']) expect(r.stdout).toContain(name);
  });

  it('forms check on a broken file exits 1 with file:line, the path and the expectation', async ({ expect }) => {
    const r = await runCli(['forms', 'check', broken]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${escape(broken)}:4:\\d+ forms\\.survey\\.colour: unknown key`));
    expect(r.stderr).toMatch(new RegExp(`${escape(broken)}:6:\\d+ forms\\.survey\\.fields\\.age\\.type: expected one of: .*text`));
    expect(r.stderr).toContain('"integr"');
    expect(r.stdout).not.toContain('OK');
  });

  it('serve --forms BROKEN exits 2 with the same messages and never listens', async ({ expect }) => {
    const r = await runCli(['serve', '--forms', broken, '--port', '0', ...OPEN]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${escape(broken)}:4:\\d+ forms\\.survey\\.colour: unknown key`));
    expect(r.stderr).toMatch(new RegExp(`${escape(broken)}:6:\\d+ forms\\.survey\\.fields\\.age\\.type: expected one of`));
    expect(r.stdout).not.toContain('Formgate listening on');
  });

  it('--help exits 0 and lists the commands', async ({ expect }) => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const command of ['serve', 'migrate', 'forms']) expect(r.stdout).toMatch(new RegExp(`formgate ${command}\\b`));
  });
});

describe.concurrent('a database that cannot be reached', { timeout: 60_000 }, () => {
  const password = 'pw-Sesame-4711';
  const unreachable = `postgres://postgres:${password}@127.0.0.1:1/x`;

  it('serve exits 1 with one line naming the database and not the password', async ({ expect }) => {
    const r = await runCli(['serve', '--port', '0', '--database-url', unreachable, '--protect', 'none', '--log-level', 'info']);
    expect(r.code).toBe(1);
    expect(lines(r)).toHaveLength(1);
    expect(r.stderr).toMatch(/PostgreSQL/);
    expect(r.stderr).toContain('127.0.0.1:1');
    expect(r.stderr + r.stdout).not.toContain(password);
    expect(r.stdout).not.toContain('Formgate listening on');
  });

  it('migrate exits 1 the same way', async ({ expect }) => {
    const r = await runCli(['migrate', '--database-url', unreachable, '--log-level', 'info']);
    expect(r.code).toBe(1);
    expect(lines(r)).toHaveLength(1);
    expect(r.stderr).toMatch(/PostgreSQL/);
    expect(r.stderr).toContain('127.0.0.1:1');
    expect(r.stderr + r.stdout).not.toContain(password);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
