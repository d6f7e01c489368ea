import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasMoreNodesThan, MAX_JSON_NODES } from '../../src/http/json-nodes.ts';
import { DRIVERS } from '../support/databases.ts';
import { buildTestApp, expectProblem, jsonInit, type TestApp } from '../support/app.ts';

/**
 * A JSON body's objects, arrays and members are counted before it is parsed: building 87,000 members, or
 * 350,000 empty objects, cost about 100 ms of JSON.parse per request, where refusing them by count costs a scan.
 */

const NOTES = '/api/v1/forms/notes/documents';
const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
const DETAIL = `The request body has more than ${MAX_JSON_NODES} JSON objects, arrays and object members; a document is one object with a member per field.`;

describe('hasMoreNodesThan', () => {
  it.each([
    ['{}', 0, true],
    ['{}', 1, false],
    ['{"a":1}', 1, true],
    ['{"a":1}', 2, false],
    ['[[],{}]', 2, true],
    ['[[],{}]', 3, false],
    ['{"a":{"b":{"c":1}}}', 5, true],
    ['{"a":{"b":{"c":1}}}', 6, false],
    // Colons, brackets, quotes and backslashes inside strings are text.
    ['{"a:[b{":"c:d[e{"}', 2, false],
    ['{"a":"\\":\\"[{"}', 2, false],
    ['{"a":"\\\\","b":1}', 2, true],
    ['[":","[","{"]', 1, false],
  ])('%s has more than %i: %s', (text, limit, more) => {
    expect(hasMoreNodesThan(text, limit)).toBe(more);
  });

  it('counts exactly the objects, arrays and members JSON.parse builds', () => {
    for (const n of [0, 1, 99, 100, 101]) {
      const text = JSON.stringify({ ...keys(n), nested: [{ x: ':' }, '"[', { y: { z: '\\{' } }] });
      // n + 4 members (nested, x, y, z), 5 objects and arrays (the body, the list, three objects).
      const nodes = n + 9;
      expect(hasMoreNodesThan(text, nodes)).toBe(false);
      expect(hasMoreNodesThan(text, nodes - 1)).toBe(true);
    }
  });
});

describe.each(DRIVERS)('a body with too much structure on $name', (driver) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(driver, { maxBodyBytes: 4 * 1024 * 1024 });
  });
  afterAll(() => t.close());

  it(`is a 413 naming the limit of ${MAX_JSON_NODES}, on create and on PATCH, and changes nothing`, async () => {
    const created = await t.app.request(NOTES, jsonInit('POST', { title: 'kept' }));
    expect(created.status).toBe(201);
    const doc = (await created.json()) as { id: string };
    const url = `${NOTES}/${doc.id}`;

    const bodies = [
      { title: 'many', ...keys(MAX_JSON_NODES) },
      { title: 'more', ...keys(87_000) },
      { title: 'empties', tags: Array.from({ length: 350_000 }, () => ({})) },
      { title: 'lists', tags: Array.from({ length: MAX_JSON_NODES }, () => []) },
    ];
    for (const body of bodies) {
      const problem = await expectProblem(await t.app.request(NOTES, jsonInit('POST', body)), 413, NOTES);
      expect(problem.detail).toBe(DETAIL);
      expect(problem.limit).toBe(MAX_JSON_NODES);
      await expectProblem(await t.app.request(url, jsonInit('PATCH', body)), 413, url);
    }
    const list = (await (await t.app.request(`${NOTES}?limit=200`)).json()) as { items: { data: { title: string }; version: number }[] };
    expect(list.items.map((d) => [d.data.title, d.version])).toEqual([['kept', 1]]);
  });

  it('lets a body at the limit through to validation, which lists its first problems', async () => {
    // The body itself, its title and MAX - 2 unknown keys: exactly MAX_JSON_NODES.
    const body = { title: 'at the limit', ...keys(MAX_JSON_NODES - 2) };
    const problem = await expectProblem(await t.app.request(NOTES, jsonInit('POST', body)), 422, NOTES);
    expect(problem.errors).toHaveLength(100);
  });

  it('does not count what is inside strings', async () => {
    const res = await t.app.request(NOTES, jsonInit('POST', { title: ':[{'.repeat(30), body: '":[{"'.repeat(20_000) }));
    expect(res.status).toBe(201);
  });
});
