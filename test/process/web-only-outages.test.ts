import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { createPostgresDatabase } from '../support/databases.ts';
import { FIXTURE_FORMS } from '../support/forms.ts';
import { delay, fetchWithin, killAll, startServe, type ServerProcess } from '../support/process.ts';

/**
 * The API process dies (SIGKILL) under a web-only process and comes back on the same port and database:
 * meanwhile the pages are the 503 page and the web client's /health fails; afterwards both work again,
 * and the web client was never restarted.
 */

const dirs: string[] = [];

afterAll(async () => {
  await killAll();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const HTML = { accept: 'text/html' };

interface Health {
  status: string;
  checks: Record<string, { status: string; observedValue?: number; output?: string }[]>;
}

/** A GET that cannot fail the poll by throwing: a refused or cut request is one more try. */
async function look(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: string } | undefined> {
  try {
    const res = await fetchWithin(url, { headers }, 10_000);
    return { status: res.status, headers: res.headers, body: await res.text() };
  } catch {
    return undefined;
  }
}

/**
 * Asks `url` every 250 ms until `done` accepts an answer, for at most `ms` (the API's health is kept 2 s,
 * so a few seconds is enough; the bound only says "not stuck").
 */
async function pollUntil(url: string, done: (a: { status: number; headers: Headers; body: string }) => boolean, ms: number, what: string, headers: Record<string, string> = {}) {
  const deadline = Date.now() + ms;
  let last: Awaited<ReturnType<typeof look>>;
  for (let attempt = 0; attempt < 200 && Date.now() <= deadline; attempt++) {
    last = await look(url, headers);
    if (last !== undefined && done(last)) return last;
    await delay(250);
  }
  throw new Error(`gave up after ${ms} ms waiting for ${what}; last answer: ${last === undefined ? 'none' : `${last.status} ${last.body.slice(0, 300)}`}`);
}

const apiCheck = (body: string) => (JSON.parse(body) as Health).checks['api:responseTime']?.[0];

describe.concurrent('the API process dies and comes back under a web-only process', { timeout: 180_000 }, () => {
  const cases: { name: string; databaseUrl: () => Promise<string> }[] = [
    {
      name: 'embedded PGlite in a directory',
      databaseUrl: async () => {
        const dir = await mkdtemp(join(tmpdir(), 'formgate-outage-'));
        dirs.push(dir);
        return `file://${join(dir, 'data')}`;
      },
    },
    { name: 'PostgreSQL', databaseUrl: createPostgresDatabase },
  ];

  for (const c of cases) {
    it(c.name, async ({ expect, onTestFinished }) => {
      const databaseUrl = await c.databaseUrl();
      const apiArgs = (port: string) => ['--port', port, '--no-ui', '--protect', 'none', '--forms', FIXTURE_FORMS, '--database-url', databaseUrl];
      let api: ServerProcess = await startServe(apiArgs('0'));
      onTestFinished(() => api.kill());
      const port = new URL(api.url).port;
      const web = await startServe(['--port', '0', '--no-api', '--api-url', api.url]);
      onTestFinished(() => web.kill());

      const title = `Kept across the outage ${randomBytes(4).toString('hex')}`;
      const created = await fetchWithin(`${api.url}/api/v1/forms/notes/documents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title }) });
      expect(created.status).toBe(201);
      const list = await fetchWithin(`${web.url}/forms/notes/documents`, { headers: HTML });
      expect(list.status).toBe(200);
      expect(await list.text()).toContain(title);
      const healthy = await fetchWithin(`${web.url}/health`);
      expect(healthy.status).toBe(200);
      expect(((await healthy.json()) as Health).checks['api:responseTime']?.[0]?.status).toBe('pass');

      // Down: the kept-alive connection to the API is dead and nothing listens on its port.
      await api.kill();
      const down = await look(`${web.url}/`, HTML);
      expect(down?.status).toBe(503);
      expect(down?.headers.get('retry-after')).toBe('5');
      expect(down?.headers.get('content-type')).toMatch(/^text\/html/);
      expect(down?.body).toContain('<h1>The service is unavailable</h1>');
      expect(down?.body).toContain('Try again in 5 s.');
      const warning = await web.waitForLog((l) => l.msg === 'API request failed');
      expect(warning).toMatchObject({ level: 'warn', api: api.url });
      expect(warning.reason).toMatch(/^the API could not be reached/);

      const failing = await pollUntil(`${web.url}/health`, (a) => a.status === 503, 10_000, "the web client's /health to fail");
      expect(failing.headers.get('content-type')).toMatch(/^application\/health\+json/);
      expect((JSON.parse(failing.body) as Health).status).toBe('fail');
      expect(apiCheck(failing.body)?.status).toBe('fail');
      const live = await fetchWithin(`${web.url}/health/live`);
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'pass' });
      expect(web.child.exitCode).toBeNull();

      // Back on the same port and database; the web client is the same process throughout.
      api = await startServe(apiArgs(port));
      expect(api.url).toBe(`http://127.0.0.1:${port}`);
      const home = await pollUntil(`${web.url}/`, (a) => a.status === 200, 10_000, 'the home page to work again', HTML);
      expect(home.body).toContain('<h2 id="form-notes">Notes</h2>');
      const again = await fetchWithin(`${web.url}/forms/notes/documents`, { headers: HTML });
      expect(again.status).toBe(200);
      expect(await again.text()).toContain(title);
      const recovered = await pollUntil(`${web.url}/health`, (a) => a.status === 200, 10_000, "the web client's /health to pass again");
      expect(apiCheck(recovered.body)?.status).toBe('pass');
      expect(web.child.exitCode).toBeNull();
      expect(web.logs.filter((l) => l.msg.startsWith('Formgate listening on'))).toHaveLength(1);
    });
  }
});
