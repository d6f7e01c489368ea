import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { createPostgresDatabase } from '../support/databases.ts';
import { FIXTURE_FORMS } from '../support/forms.ts';
import { fetchWithin, killAll, startServe } from '../support/process.ts';

/**
 * A document created before a clean stop (SIGTERM) is there after the next start on the same database:
 * embedded PGlite in a directory, and PostgreSQL.
 */

// The fixture's `notes` has no `access` block, so the anonymous caller may read back what it created.
const FLAGS = ['--port', '0', '--protect', 'none', '--log-level', 'info', '--forms', FIXTURE_FORMS];
const NOTE = { title: 'Grace Hopper', body: 'Found the first bug', priority: 2 };

const dirs: string[] = [];

afterAll(async () => {
  await killAll();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

interface Stored {
  id: string;
  version: number;
  data: Record<string, unknown>;
}

describe.concurrent('data survives a restart', { timeout: 60_000 }, () => {
  const cases: { name: string; databaseUrl: () => Promise<string> }[] = [
    {
      name: 'file://DIR (embedded PGlite)',
      databaseUrl: async () => {
        const dir = await mkdtemp(join(tmpdir(), 'formgate-process-data-'));
        dirs.push(dir);
        return `file://${dir}`;
      },
    },
    { name: 'PostgreSQL', databaseUrl: createPostgresDatabase },
  ];

  for (const c of cases) {
    it(c.name, { timeout: 90_000 }, async ({ expect, onTestFinished }) => {
      const args = [...FLAGS, '--database-url', await c.databaseUrl()];

      const first = await startServe(args);
      onTestFinished(() => first.kill());
      const created = await fetchWithin(`${first.url}/api/v1/forms/notes/documents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(NOTE),
      });
      expect(created.status).toBe(201);
      const location = created.headers.get('location');
      expect(location).toMatch(/^\/api\/v1\/forms\/notes\/documents\/[0-9a-f-]{36}$/);
      const doc = (await created.json()) as Stored;
      expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });

      const second = await startServe(args);
      onTestFinished(() => second.kill());
      const fetched = await fetchWithin(`${second.url}${location}`);
      expect(fetched.status).toBe(200);
      const again = (await fetched.json()) as Stored;
      expect(again.id).toBe(doc.id);
      expect(again.version).toBe(1);
      expect(again.data).toEqual(doc.data);
      expect(again.data).toMatchObject(NOTE);
      expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    });
  }
});
