import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../support/databases.ts';
import { FIXTURE_FORMS } from '../support/forms.ts';
import { killAll, startServe } from '../support/process.ts';
import { createdId, pollFor, kinds, startLoad, tally } from './support/load.ts';
import { documentIds } from './support/postgres.ts';

/**
 * SIGTERM while concurrent writes are in flight. Every request must end in a whole response or, once the
 * signal was sent, a refused or reset connection (the server stopped taking them); never a 500. Formgate
 * exits 0, and every write it acknowledged with 201 is in the database afterwards.
 */

const NOTES = '/api/v1/forms/notes/documents';
const NOTE: RequestInit = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'written as the server stops' }) };
// What a client may see of a server that stopped taking connections.
const GONE = ['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET'];

interface Target {
  readonly name: string;
  /** The `--database-url`, and how to read the document ids back once Formgate has exited. */
  open(): Promise<{ url: string; storedIds(): Promise<Set<string>>; cleanUp(): Promise<void> }>;
}

const TARGETS: Target[] = [
  {
    name: 'PostgreSQL',
    async open() {
      const url = await createPostgresDatabase();
      return { url, storedIds: () => documentIds(url), cleanUp: async () => {} };
    },
  },
  {
    name: 'PGlite (file://)',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'formgate-sigterm-'));
      return {
        url: `file://${dir}`,
        // Read once the server has exited: PGlite allows one process per data directory.
        async storedIds() {
          const db = new PGlite(dir);
          try {
            const { rows } = await db.query<{ id: string }>('select id from documents');
            return new Set(rows.map((r) => r.id));
          } finally {
            await db.close();
          }
        },
        cleanUp: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
];

afterAll(killAll);

describe('SIGTERM under write load', () => {
  for (const target of TARGETS) {
    it(`${target.name}: finishes requests in flight, exits 0, and keeps every acknowledged write`, async ({ onTestFinished }) => {
      const database = await target.open();
      onTestFinished(() => database.cleanUp());
      const server = await startServe(['--port', '0', '--database-url', database.url, '--forms', FIXTURE_FORMS, '--protect', 'none', '--log-level', 'info']);
      onTestFinished(() => server.kill());

      // Each worker writes until its connection is refused or reset: the server is gone.
      const load = startLoad({
        baseUrl: server.url,
        lanes: [{ name: 'write', workers: 12, stopOnError: true, request: () => ({ path: NOTES, init: NOTE }) }],
        maxDurationMs: 60_000,
      });
      const loaded = await pollFor(async () => load.outcomes.filter((o) => o.status === 201).length >= 50, 100, 100);
      expect(loaded, 'writes succeed before the signal').toBe(true);

      const signalledAt = Date.now();
      server.child.kill('SIGTERM');
      const exit = await server.exited(30_000);
      const outcomes = await load.stop();
      const context = JSON.stringify(tally(outcomes));

      expect(exit, server.stderr()).toEqual({ code: 0, signal: null });
      expect(server.logs.some((l) => l.msg === 'stopped')).toBe(true);
      // Whole responses are 201s only; anything else is the connection refused or cut.
      expect(['201', ...GONE], context).toEqual(expect.arrayContaining(kinds(outcomes)));
      const answered = outcomes.filter((o) => o.status !== undefined);
      expect(kinds(answered), context).toEqual(['201']);
      // Connections failed only after the signal: before it, every request was answered.
      const failed = outcomes.filter((o) => o.error !== undefined);
      expect(failed.filter((o) => o.endedAt < signalledAt), context).toEqual([]);
      expect(failed.length, 'the load went on until the server stopped taking requests').toBeGreaterThan(0);
      // Requests in flight when the signal was sent were answered, not dropped.
      const inFlight = answered.filter((o) => o.startedAt < signalledAt && o.endedAt >= signalledAt);
      expect(inFlight.length, context).toBeGreaterThan(0);

      const acknowledged = outcomes.filter((o) => o.status === 201).map(createdId);
      const stored = await database.storedIds();
      expect(acknowledged.filter((id) => !stored.has(id)), 'acknowledged documents missing from the database').toEqual([]);
    });
  }
});
