import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasMoreMembersThan, MAX_JSON_MEMBERS } from '../../src/http/json-members.ts';
import { DRIVERS } from '../support/databases.ts';
import { buildTestApp, expectProblem, jsonInit, type TestApp } from '../support/app.ts';

/**
 * A JSON body's object members are counted before it is parsed: building 87,000 members cost about 100 ms
 * of JSON.parse and as much again to walk, per request, where refusing them by count costs a scan.
 */

const NOTES = '/api/v1/forms/notes/documents';
const keys = (n: number, from = 0) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${from + i}`, i]));

describe('hasMoreMembersThan', () => {
  it.each([
    ['{}', 0, false],
    ['{"a":1}', 0, true],
    ['{"a":1}', 1, false],
    ['{"a":{"b":{"c":1}}}', 2, true],
    ['[{"a":1},{"b":2}]', 2, false],
    // Colons, quotes and backslashes inside strings are text, not members.
    ['{"a:b":"c:d:e"}', 1, false],
    ['{"a":"\\":\\":"}', 1, false],
    ['{"a":"\\\\","b":1}', 1, true],
    ['[":",":",":"]', 0, false],
  ])('%s has more than %i: %s', (text, limit, more) => {
    expect(hasMoreMembersThan(text, limit)).toBe(more);
  });

  it('counts exactly the members JSON.parse builds', () => {
    for (const n of [0, 1, 99, 100, 101]) {
      const text = JSON.stringify({ ...keys(n), nested: [{ x: ':' }, '"', { y: { z: '\\' } }] });
      const members = n + 4;
      expect(hasMoreMembersThan(text, members)).toBe(false);
      expect(hasMoreMembersThan(text, members - 1)).toBe(true);
    }
  });
});

describe.each(DRIVERS)('a body with too many members on $name', (driver) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(driver, { maxBodyBytes: 4 * 1024 * 1024 });
  });
  afterAll(() => t.close());

  it(`is a 413 naming the limit of ${MAX_JSON_MEMBERS}, on create and on PATCH, and changes nothing`, async () => {
    const created = await t.app.request(NOTES, jsonInit('POST', { title: 'kept' }));
    expect(created.status).toBe(201);
    const doc = (await created.json()) as { id: string; version: number };

    for (const body of [{ title: 'many', ...keys(MAX_JSON_MEMBERS) }, { title: 'more', ...keys(87_000) }]) {
      const problem = await expectProblem(await t.app.request(NOTES, jsonInit('POST', body)), 413, NOTES);
      expect(problem.detail).toBe(`The request body has more than ${MAX_JSON_MEMBERS} JSON object members; a document has one per field.`);
      expect(problem.limit).toBe(MAX_JSON_MEMBERS);
      const url = `${NOTES}/${doc.id}`;
      await expectProblem(await t.app.request(url, jsonInit('PATCH', body)), 413, url);
    }
    const list = (await (await t.app.request(`${NOTES}?limit=200`)).json()) as { items: { data: { title: string }; version: number }[] };
    expect(list.items.map((d) => [d.data.title, d.version])).toEqual([['kept', 1]]);
  });

  it('lets a body at the limit through to validation, which lists its first problems', async () => {
    const body = { title: 'at the limit', ...keys(MAX_JSON_MEMBERS - 1) };
    const problem = await expectProblem(await t.app.request(NOTES, jsonInit('POST', body)), 422, NOTES);
    expect(problem.errors).toHaveLength(100);
  });

  it('does not count colons inside strings', async () => {
    const res = await t.app.request(NOTES, jsonInit('POST', { title: ':'.repeat(90), body: '":"'.repeat(20_000) }));
    expect(res.status).toBe(201);
  });
});
