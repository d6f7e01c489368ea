import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { FIXTURE_FORMS } from '../support/forms.ts';
import { fetchWithin, killAll, runCli, startServe, type ServerProcess } from '../support/process.ts';
import { Browser } from '../support/web.ts';

/**
 * The two halves as two processes on 127.0.0.1 (issue 14): an API-only Formgate (`--no-ui`) on its own
 * database, and web-only ones (`--no-api --api-url`) pointed at it. What a web-only process must refuse
 * at startup, what it must never touch, and that its pages are the API's forms and documents.
 */

const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'formgate-web-only-'));
  dirs.push(dir);
  return dir;
};

afterAll(async () => {
  await killAll();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const HTML = { accept: 'text/html' };

describe.concurrent('web-only: startup refusals (exit 2, one line naming the fix)', { timeout: 60_000 }, () => {
  const cases: { name: string; args: string[]; env?: Record<string, string>; fix: string; flag: string }[] = [
    { name: '--no-api without --api-url', args: ['--no-api'], fix: '--no-api needs --api-url URL (FORMGATE_API_URL)', flag: '--api-url' },
    { name: '--no-api --no-ui', args: ['--no-api', '--no-ui'], fix: 'both halves are off (--no-api and --no-ui): drop one', flag: '--no-ui' },
    { name: '--api-url with the API on', args: ['--api-url', 'http://127.0.0.1:1'], fix: 'add --no-api (FORMGATE_API=false), or drop --api-url', flag: '--api-url' },
    { name: 'FORMGATE_API=maybe', args: [], env: { FORMGATE_API: 'maybe' }, fix: 'expected true or false (or --no-api), got "maybe" from FORMGATE_API', flag: '--api' },
  ];
  for (const c of cases) {
    it(c.name, async ({ expect }) => {
      const r = await runCli(['serve', '--port', '0', '--protect', 'none', '--database-url', 'memory://', ...c.args], c.env ? { env: c.env } : {});
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^formgate: invalid configuration: /);
      expect(lines[0]).toContain(c.fix);
      expect(lines[0]).toContain(c.flag);
      expect(r.stdout).toBe('');
    });
  }

  // The password is the reason for refusing: it must not be the thing printed, in either spelling.
  for (const url of ['http://formgate:pw-4711-secret@127.0.0.1:1', 'formgate:pw-4711-secret@127.0.0.1:1']) {
    it(`--api-url ${url.replace('pw-4711-secret', '…')}: refused without echoing the password`, async ({ expect }) => {
      const r = await runCli(['serve', '--port', '0', '--no-api', '--api-url', url]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('--api-url');
      expect(r.stderr).toMatch(/user name or password/);
      expect(r.stderr + r.stdout).not.toContain('pw-4711-secret');
    });
  }
});

describe('an API-only process and web-only processes pointed at it', { timeout: 120_000 }, () => {
  let api: ServerProcess;

  beforeAll(async () => {
    api = await startServe(['--port', '0', '--no-ui', '--protect', 'none', '--forms', FIXTURE_FORMS, '--database-url', `file://${join(await tempDir(), 'api')}`]);
  }, 60_000);

  /** A web client alone, pointed at the API process; `flags` add to the defaults. */
  const webOnly = (flags: string[] = []) => startServe(['--port', '0', '--no-api', '--api-url', api.url, ...flags]);

  it('the API process says it runs the API alone', ({ expect }) => {
    const line = api.logs.find((l) => l.msg.startsWith('Formgate listening on'))!;
    expect(line.msg).toBe(`Formgate listening on ${api.url} (the API alone)`);
    expect(line).toMatchObject({ halves: 'API', web: 'off' });
  });

  describe.concurrent('three web-only processes at once', () => {
    it('file:// DIR: the directory is never made; a missing forms file; --protect all without --auth-url', async ({ expect, onTestFinished }) => {
      const dir = await tempDir();
      const never = join(dir, 'never');
      const web = await webOnly(['--database-url', `file://${never}`, '--forms', join(dir, 'missing.yaml'), '--protect', 'all']);
      onTestFinished(() => web.kill());
      const home = await fetchWithin(`${web.url}/`, { headers: HTML });
      expect(home.status).toBe(200);
      const page = await home.text();
      expect(page).toContain('<h2 id="form-notes">Notes</h2>');
      expect(page).toContain('<h2 id="form-drop-box">Drop box</h2>');
      expect((await fetchWithin(`${web.url}/forms/drop-box/new`, { headers: HTML })).status).toBe(200);
      expect((await fetchWithin(`${web.url}/health/live`)).status).toBe(200);
      expect(existsSync(never)).toBe(false);
      expect(web.stdout() + web.stderr()).not.toContain('missing.yaml');
    });

    it('--ui-forms notes,no-such-form: a startup line naming both halves, a warning, only notes here, drop-box still in the API', async ({ expect, onTestFinished }) => {
      const web = await webOnly(['--ui-forms', 'notes,no-such-form']);
      onTestFinished(() => web.kill());
      const line = web.logs.find((l) => l.msg.startsWith('Formgate listening on'))!;
      expect(line.msg).toBe(`Formgate listening on ${web.url} (the web client alone; the API at ${api.url})`);
      expect(line).toMatchObject({ halves: 'web client', web: { publicUrl: web.url, api: api.url, forms: ['notes', 'no-such-form'], signIn: 'none' } });
      expect(line).not.toHaveProperty('database');

      const warning = await web.waitForLog((l) => l.msg.startsWith('--ui-forms names'), 20_000);
      expect(warning.level).toBe('warn');
      expect(warning.msg).toMatch(/^--ui-forms names a form the API does not have \(no-such-form\)/);
      expect(warning.forms).toEqual(['no-such-form']);

      const home = await fetchWithin(`${web.url}/`, { headers: HTML });
      expect(home.status).toBe(200);
      const page = await home.text();
      expect(page).toContain('<h2 id="form-notes">Notes</h2>');
      expect(page).not.toContain('drop-box');
      expect(page).not.toContain('no-such-form');
      for (const path of ['/forms/drop-box/new', '/forms/drop-box/documents', '/forms/no-such-form/new']) {
        const hidden = await fetchWithin(`${web.url}${path}`, { headers: HTML });
        expect(hidden.status, path).toBe(404);
        expect(await hidden.text()).toContain('<h1>Page not found</h1>');
      }
      expect((await fetchWithin(`${web.url}/forms/notes/new`, { headers: HTML })).status).toBe(200);
      const inApi = await fetchWithin(`${api.url}/api/v1/forms/drop-box`);
      expect(inApi.status).toBe(200);
      expect(((await inApi.json()) as { name: string }).name).toBe('drop-box');
    });

    it('serves no API: a path under /api/v1 is a 404 problem here, while the API answers it', async ({ expect, onTestFinished }) => {
      const web = await webOnly([]);
      onTestFinished(() => web.kill());
      const here = await fetchWithin(`${web.url}/api/v1/forms`);
      expect(here.status).toBe(404);
      expect(here.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await here.json()) as { detail: string }).detail).toBe('There is nothing at GET /api/v1/forms.');
      expect((await fetchWithin(`${api.url}/api/v1/forms`)).status).toBe(200);
    });

    // The same process serves the writes and request-id checks below: a database URL nothing answers at
    // does not keep a web client from doing everything through the API.
    describe('--database-url postgres:// at a port where nothing listens', () => {
      const nowhere = 'postgres://formgate@127.0.0.1:1/none';
      let web: ServerProcess;
      beforeAll(async () => {
        web = await webOnly(['--database-url', nowhere]);
      }, 60_000);

      it('starts, and its /health holds only the API; where the API runs, that URL is fatal (exit 1)', async ({ expect }) => {
        expect((await fetchWithin(`${web.url}/`, { headers: HTML })).status).toBe(200);
        const health = await fetchWithin(`${web.url}/health`);
        expect(health.status).toBe(200);
        expect(Object.keys(((await health.json()) as { checks: object }).checks)).toEqual(['api:responseTime']);
        const control = await runCli(['serve', '--port', '0', '--no-ui', '--protect', 'none', '--database-url', nowhere]);
        expect(control.code).toBe(1);
        expect(control.stderr).toContain('cannot open the PostgreSQL database');
      });

      it("a document sent through the web-only pages (CSRF and all) is in the API process's list", async ({ expect }) => {
        const title = `Sent through the web client ${randomBytes(4).toString('hex')}`;
        const browser = new Browser(web.url);
        const form = await browser.go(`${web.url}/forms/notes/new`, { headers: HTML });
        expect(form.res.status).toBe(200);
        expect(form.body).toContain('name="_csrf"');
        const sent = await browser.post('/forms/notes/new', { title, body: 'over HTTP to the API process', priority: '2' }, form.body);
        expect(sent.res.status).toBe(200);
        const id = new RegExp(`^${web.url}/forms/notes/documents/([0-9a-f-]{36})\\?created=1$`).exec(sent.url)?.[1];
        expect(id, sent.url).toBeDefined();
        expect(sent.body).toContain(title);

        const list = await fetchWithin(`${api.url}/api/v1/forms/notes/documents?limit=100`);
        expect(list.status).toBe(200);
        const items = ((await list.json()) as { items: { id: string; data: Record<string, unknown> }[] }).items;
        expect(items.find((d) => d.id === id)?.data).toEqual({ title, body: 'over HTTP to the API process', priority: 2, tags: [] });
      });

      it("the API's request lines carry the request id of the page that asked", async ({ expect }) => {
        const home = await fetchWithin(`${web.url}/`, { headers: HTML });
        expect(home.status).toBe(200);
        const requestId = home.headers.get('x-request-id')!;
        expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
        const pageLine = await web.waitForLog((l) => l.msg === 'request' && l.path === '/' && l.requestId === requestId);
        expect(pageLine.status).toBe(200);
        for (const path of ['/api/v1/me', '/api/v1/forms']) {
          const apiLine = await api.waitForLog((l) => l.msg === 'request' && l.path === path && l.requestId === requestId);
          expect(apiLine.status).toBe(200);
        }

        // A caller's own id (a proxy's) goes all the way through as well.
        const given = `split-test:${randomBytes(4).toString('hex')}`;
        const again = await fetchWithin(`${web.url}/forms/notes/documents`, { headers: { ...HTML, 'x-request-id': given } });
        expect(again.status).toBe(200);
        expect(again.headers.get('x-request-id')).toBe(given);
        await web.waitForLog((l) => l.msg === 'request' && l.path === '/forms/notes/documents' && l.requestId === given);
        await api.waitForLog((l) => l.msg === 'request' && l.path === '/api/v1/forms/notes/documents' && l.requestId === given);
      });
    });
  });
});
