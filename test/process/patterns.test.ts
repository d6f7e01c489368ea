import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { fetchWithin, killAll, runCli, startServe } from '../support/process.ts';

/**
 * A form pattern is matched in linear time by the real server: a value built to make a backtracking
 * engine take minutes is answered at once, and /health/live is never stuck behind it. And `forms check`
 * refuses a pattern the linear-time matcher cannot run, naming the key and why.
 */

// Exponential for a backtracking engine: 31 letters and a "!" took 23 s of CPU, 4x per two more.
const CATASTROPHIC = '^([a-zA-Z0-9]+\\s?)+$';
const HOSTILE_VALUE = 'a'.repeat(31) + '!';

let dir: string;
let forms: string;
let lookahead: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'formgate-process-patterns-'));
  forms = join(dir, 'forms.yaml');
  await writeFile(forms, ['forms:', '  names:', '    title: Names', '    fields:', `      name: { type: text, pattern: '${CATASTROPHIC}' }`, ''].join('\n'));
  lookahead = join(dir, 'lookahead.yaml');
  await writeFile(lookahead, ['forms:', '  names:', '    title: Names', '    fields:', "      name: { type: text, pattern: '^(?=.*\\d)\\w+$' }", ''].join('\n'));
});

afterAll(async () => {
  await killAll();
  await rm(dir, { recursive: true, force: true });
});

describe.concurrent('form patterns', { timeout: 60_000 }, () => {
  it('a value built for backtracking is answered at once, and /health/live stays responsive', async ({ expect, onTestFinished }) => {
    const server = await startServe(['--forms', forms, '--port', '0', '--database-url', 'memory://', '--protect', 'none']);
    onTestFinished(() => server.kill());
    const post = (name: string) =>
      // A generous "not stuck" bound: a backtracking engine needs minutes for three of these.
      fetchWithin(`${server.url}/api/v1/forms/names/documents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      }, 8_000);

    const answers = Promise.all([post(HOSTILE_VALUE), post(HOSTILE_VALUE + 'aa'), post(HOSTILE_VALUE + 'aaaa')]);
    const live = await fetchWithin(`${server.url}/health/live`, {}, 8_000);
    expect(live.status).toBe(200);
    for (const res of await answers) {
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ errors: [{ path: '/name', message: `must match the pattern ${CATASTROPHIC}` }] });
    }
    expect((await post('Ada Lovelace')).status).toBe(201);
  });

  it('forms check refuses a lookahead with the file, the key path and why', async ({ expect }) => {
    const r = await runCli(['forms', 'check', lookahead]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${lookahead}:5:36 forms.names.fields.name.pattern: is not supported: lookahead, (?= and (?!, cannot be matched in linear time`);
  });
});
