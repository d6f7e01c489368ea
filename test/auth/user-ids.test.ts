import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthConfig } from '../../src/auth/settings.ts';
import type { Database } from '../../src/db/connect.ts';
import { buildTestApp, expectProblem, jsonInit, type TestApp } from '../support/app.ts';
import { DRIVERS, openMigratedDatabase } from '../support/databases.ts';
import { startIdentityServer, type IdentityServer } from '../support/identity-server.ts';

/**
 * User ids at the edge of the rule, through the whole app on both databases and in every protocol: the
 * longest id allowed, of the widest characters, is stored and read back; one more character, or an id
 * that is blank or holds a control character, is a 502 naming the rule, never a 500 from the index; and
 * the request log line stays short whatever the service sends.
 */

const NOTES = '/api/v1/forms/notes/documents';
const LIMIT = 'expected a user id of at most 255 characters (Unicode code points)';
/** A request log line with a user id of 255 four-byte characters, the most an id can add, and a margin. */
const MAX_LINE_BYTES = 2048;

const PROTOCOLS: [string, Partial<AuthConfig>, (id: string) => Record<string, unknown>, string][] = [
  ['formgate', {}, (id) => ({ userId: id }), '.userId'],
  ['oidc', { protocol: 'oidc' }, (id) => ({ sub: id }), '.sub'],
  ['introspection', { protocol: 'introspection', clientId: 'formgate', clientSecret: 'test-secret' }, (id) => ({ active: true, sub: id }), '.sub'],
];

let identity: IdentityServer;
/** The id the service vouches for, per token. */
const ids = new Map<string, string>();
let n = 0;

beforeAll(async () => {
  identity = await startIdentityServer(() => ({ status: 401 }));
});
afterAll(() => identity?.close());

describe.each(DRIVERS)('user ids on $name', (driver) => {
  let database: Database;
  const apps: TestApp[] = [];
  beforeAll(async () => {
    database = await openMigratedDatabase(driver);
  });
  afterAll(async () => {
    for (const t of apps) await t.close();
    await database?.close();
  });

  describe.each(PROTOCOLS)('with the %s protocol', (_protocol, auth, body, path) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await buildTestApp(driver, { database, authUrl: identity.url, auth, protect: { forms: 'all', documents: 'all' } });
      apps.push(t);
      // Blocks run one after another, so the service answers in this block's protocol while its tests run.
      identity.answer((call) => {
        const id = ids.get(call.token ?? '');
        return id === undefined ? { status: 401 } : { status: 200, body: body(id) };
      });
    });

    /** A create as the holder of `id`; the request id finds its log line. */
    const createAs = async (id: string) => {
      const token = `tok-${++n}-${randomBytes(8).toString('hex')}`;
      ids.set(token, id);
      const requestId = `user-id-${n}`;
      const res = await t.app.request(NOTES, jsonInit('POST', { title: 'mine' }, { authorization: `Bearer ${token}`, 'x-request-id': requestId }));
      const lines = t.requestLines(requestId);
      expect(lines).toHaveLength(1);
      return { res, token, line: lines[0]! };
    };

    it('stores an id of 255 four-byte characters and reads it back as the same id', async () => {
      const id = '\u{1F600}'.repeat(255);
      const { res, token, line } = await createAs(id);
      expect(res.status).toBe(201);
      const created = (await res.json()) as { id: string; createdBy: string };
      expect(created.createdBy).toBe(id);
      const read = await t.app.request(`${NOTES}/${created.id}`, { headers: { authorization: `Bearer ${token}` } });
      expect(((await read.json()) as { createdBy: string }).createdBy).toBe(id);
      expect(line.userId).toBe(id);
      expect(Buffer.byteLength(JSON.stringify(line))).toBeLessThan(MAX_LINE_BYTES);
    });

    it.each<[string, string]>([
      ['256 characters', 'a'.repeat(256)],
      // Random, so PostgreSQL cannot compress it into the index: this was a 500 (index row size exceeds btree maximum).
      ['3,000 characters', randomBytes(1500).toString('hex')],
      ['200,000 characters', randomBytes(100_000).toString('hex')],
    ])('answers an id of %s with a 502 naming the limit, and logs no id', async (_case, id) => {
      const { res, line } = await createAs(id);
      const problem = await expectProblem(res, 502, NOTES);
      expect(problem.detail).toBe(`The identity service didn't respond as expected at ${path}: ${LIMIT}`);
      expect(line).not.toHaveProperty('userId');
      expect(Buffer.byteLength(JSON.stringify(line))).toBeLessThan(MAX_LINE_BYTES);
      const warning = t.logs.find((l) => l.level === 'warn' && l.requestId === line.requestId);
      expect(Buffer.byteLength(JSON.stringify(warning))).toBeLessThan(MAX_LINE_BYTES);
    });

    it.each<[string, string, string]>([
      ['blank', ' \t ', 'expected a user id that is not only whitespace'],
      ['holding a line feed', 'alice\n{"level":"error","msg":"forged"}', 'expected a user id without control characters, line or paragraph separators or bidirectional controls (found U+000A)'],
      ['holding DEL', 'bob\u007f', 'expected a user id without control characters, line or paragraph separators or bidirectional controls (found U+007F)'],
      ['holding a right-to-left override', 'carol\u202elortnoc', 'expected a user id without control characters, line or paragraph separators or bidirectional controls (found U+202E)'],
    ])('answers an id %s with a 502 naming the rule', async (_case, id, rule) => {
      const { res } = await createAs(id);
      const problem = await expectProblem(res, 502, NOTES);
      expect(problem.detail).toBe(`The identity service didn't respond as expected at ${path}: ${rule}`);
    });
  });
});
