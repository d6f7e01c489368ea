import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_MAX_BYTES } from '../../src/documents/page-bounds.ts';
import type { DocumentView as Doc, Page, VersionView as Version } from '../../src/documents/service.ts';
import { DRIVERS } from '../support/databases.ts';
import { buildTestApp, expectProblem, jsonInit, UUID, type TestApp } from '../support/app.ts';

/** The documents API over HTTP (app.request, no socket), on a real database of each driver. */

const NOTES = '/api/v1/forms/notes/documents';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

describe.each(DRIVERS)('documents over HTTP on $name', (driver) => {
  let t: TestApp;
  const request = (path: string, init?: RequestInit) => t.app.request(path, init);
  const json = async <T>(res: Response, status: number): Promise<T> => {
    const text = await res.text();
    expect(res.status, text.slice(0, 500)).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    return JSON.parse(text) as T;
  };
  const create = async (data: Record<string, unknown>): Promise<Doc> => json<Doc>(await request(NOTES, jsonInit('POST', data)), 201);
  const listIds = async (query: string): Promise<string[]> => (await json<Page>(await request(`${NOTES}?${query}`), 200)).items.map((d) => d.id);

  beforeAll(async () => {
    t = await buildTestApp(driver);
  });
  afterAll(() => t?.close());

  it('lives a whole life: create, read, change, stale change, delete, list, restore, history', async () => {
    // create
    const created = await request(NOTES, jsonInit('POST', { title: 'Life', body: 'first', tags: ['red'] }));
    const doc = await json<Doc>(created, 201);
    expect(doc.id).toMatch(UUID);
    expect(created.headers.get('location')).toBe(`${NOTES}/${doc.id}`);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(doc).toEqual({
      id: doc.id,
      form: 'notes',
      version: 1,
      data: { title: 'Life', body: 'first', tags: ['red'], priority: 3 },
      createdAt: expect.stringMatching(ISO),
      createdBy: null,
      updatedAt: doc.createdAt,
      updatedBy: null,
      deletedAt: null,
      deletedBy: null,
    });
    const url = created.headers.get('location')!;

    // read, by the Location it gave
    const read = await request(url);
    expect(read.headers.get('etag')).toBe('"1"');
    expect(await json<Doc>(read, 200)).toEqual(doc);

    // change, with the ETag it gave
    const patched = await request(url, jsonInit('PATCH', { title: 'Life, v2', body: null }, { 'if-match': '"1"' }));
    expect(patched.headers.get('etag')).toBe('"2"');
    const v2 = await json<Doc>(patched, 200);
    expect(v2).toMatchObject({ id: doc.id, version: 2, data: { title: 'Life, v2', tags: ['red'], priority: 3 }, createdAt: doc.createdAt });
    expect(v2.data).not.toHaveProperty('body');

    // a change based on version 1 is refused and changes nothing
    const stale = await expectProblem(await request(url, jsonInit('PATCH', { title: 'lost update' }, { 'if-match': '"1"' })), 412, url);
    expect(stale.detail).toMatch(/version 2/);
    expect(await json<Doc>(await request(url), 200)).toEqual(v2);

    // delete (soft)
    const deleted = await request(url, { method: 'DELETE', headers: { 'if-match': '"2"' } });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');

    const afterDelete = await request(url);
    expect(afterDelete.headers.get('etag')).toBe('"3"');
    const v3 = await json<Doc>(afterDelete, 200);
    expect(v3).toMatchObject({ version: 3, data: v2.data, deletedAt: expect.stringMatching(ISO), deletedBy: null });

    expect(await listIds('limit=200')).not.toContain(doc.id);
    expect(await listIds('limit=200&deleted=true')).toContain(doc.id);
    expect(await listIds('limit=200&deleted=false')).not.toContain(doc.id);

    // restore
    const restored = await request(`${url}/restore`, { method: 'POST' });
    expect(restored.headers.get('etag')).toBe('"4"');
    expect(await json<Doc>(restored, 200)).toMatchObject({ id: doc.id, version: 4, data: v2.data, deletedAt: null, deletedBy: null });
    expect(await listIds('limit=200')).toContain(doc.id);
    expect(await listIds('limit=200&deleted=true')).not.toContain(doc.id);

    // history: every version, oldest first, with who, when and what changed
    const history = await json<{ items: Version[] }>(await request(`${url}/history`), 200);
    expect(history.items.map((v) => [v.version, v.action, v.by])).toEqual([
      [1, 'create', null],
      [2, 'update', null],
      [3, 'delete', null],
      [4, 'restore', null],
    ]);
    for (const v of history.items) expect(v.at).toMatch(ISO);
    const times = history.items.map((v) => Date.parse(v.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(history.items[0]!.at).toBe(doc.createdAt);
    expect(history.items[0]!.changes).toEqual([
      { field: 'body', to: 'first' },
      { field: 'priority', to: 3 },
      { field: 'tags', to: ['red'] },
      { field: 'title', to: 'Life' },
    ]);
    expect(history.items[1]!.changes).toEqual([
      { field: 'body', from: 'first' },
      { field: 'title', from: 'Life', to: 'Life, v2' },
    ]);
    expect(history.items[2]!.changes).toEqual([]);
    expect(history.items[3]!.changes).toEqual([]);
    expect(history.items.map((v) => v.data)).toEqual([doc.data, v2.data, v2.data, v2.data]);
  });

  it('lists newest first in pages of `limit` that cover every document exactly once', async () => {
    const mine: string[] = [];
    for (let i = 0; i < 7; i++) mine.push((await create({ title: `page ${i}` })).id);
    // Other tests in this file also write to `notes`; the whole list, in one page, is the reference.
    const everything = await listIds('limit=200');
    expect(everything.length).toBeLessThan(200);

    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const page: Page = await json<Page>(await request(`${NOTES}?limit=3${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`), 200);
      seen.push(...page.items.map((d) => d.id));
      sizes.push(page.items.length);
      cursor = page.nextCursor;
      if (cursor === null) break;
      expect(cursor).toEqual(expect.any(String));
    }
    expect(cursor).toBeNull();
    expect(seen).toEqual(everything);
    expect(new Set(seen).size).toBe(seen.length);
    // Newest first: this test's documents appear in the reverse of the order they were made.
    expect(seen.filter((id) => mine.includes(id))).toEqual([...mine].reverse());
    expect(sizes.slice(0, -1).every((n) => n === 3)).toBe(true);
    expect(sizes.at(-1)).toBeGreaterThanOrEqual(1);
    expect(sizes.at(-1)).toBeLessThanOrEqual(3);
  });

  it('ends a page early at the byte bound, with a cursor; a document larger than the bound comes alone', async () => {
    // A database of its own: these documents would cut the other tests' one-page lists of `notes`.
    const big = await buildTestApp(driver, { maxBodyBytes: 2 * PAGE_MAX_BYTES });
    try {
      const sizes = [0.35 * PAGE_MAX_BYTES, 0.35 * PAGE_MAX_BYTES, 0.35 * PAGE_MAX_BYTES, 1.02 * PAGE_MAX_BYTES, 10];
      const ids: string[] = [];
      for (const [i, size] of sizes.entries()) {
        const res = await big.app.request(NOTES, jsonInit('POST', { title: `big ${i}`, body: 'x'.repeat(Math.floor(size)) }));
        ids.push((await json<Doc>(res, 201)).id);
      }
      const [a, b, c, huge, small] = ids;
      const pages: string[][] = [];
      const bytes: number[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 10; page++) {
        const res = await big.app.request(`${NOTES}?limit=200${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
        const text = await res.clone().text();
        const body: Page = await json<Page>(res, 200);
        pages.push(body.items.map((doc) => doc.id));
        bytes.push(Buffer.byteLength(text));
        cursor = body.nextCursor;
        if (cursor === null) break;
      }
      expect(pages).toEqual([[small], [huge], [c, b], [a]]);
      // The bound counts the documents' data; the rest of a document is a few hundred bytes.
      expect(bytes[1]).toBeGreaterThan(PAGE_MAX_BYTES);
      expect(bytes.filter((_, i) => i !== 1).every((n) => n < PAGE_MAX_BYTES)).toBe(true);
    } finally {
      await big.close();
    }
  }, 120_000);

  it('a page that ends exactly at the last document has no next cursor', async () => {
    const total = (await listIds('limit=200')).length;
    const page = await json<Page>(await request(`${NOTES}?limit=${total}`), 200);
    expect(page.items).toHaveLength(total);
    expect(page.nextCursor).toBeNull();
  });

  it('accepts If-Match: *, a list of ETags with the current one, and refuses a weak or unknown ETag', async () => {
    const doc = await create({ title: 'preconditions' });
    const url = `${NOTES}/${doc.id}`;
    expect((await request(url, jsonInit('PATCH', { title: 'star' }, { 'if-match': '*' }))).headers.get('etag')).toBe('"2"');
    const listed = await request(url, jsonInit('PATCH', { title: 'list' }, { 'if-match': '"7", "2"' }));
    expect(listed.status).toBe(200);
    expect(listed.headers.get('etag')).toBe('"3"');
    // If-Match compares strongly, so a weak tag never matches (RFC 9110 §13.1.1).
    await expectProblem(await request(url, jsonInit('PATCH', { title: 'weak' }, { 'if-match': 'W/"3"' })), 412, url);
    await expectProblem(await request(url, { method: 'DELETE', headers: { 'if-match': '"2"' } }), 412, url);
    expect(await json<Doc>(await request(url), 200)).toMatchObject({ version: 3, data: { title: 'list' }, deletedAt: null });
  });

  it('a patch that changes nothing keeps the version and the ETag', async () => {
    const doc = await create({ title: 'steady' });
    const url = `${NOTES}/${doc.id}`;
    for (const patch of [{}, { title: 'steady' }, { priority: 3 }]) {
      const res = await request(url, jsonInit('PATCH', patch, { 'if-match': '"1"' }));
      expect(res.headers.get('etag')).toBe('"1"');
      expect(await json<Doc>(res, 200)).toEqual(doc);
    }
    expect((await json<{ items: Version[] }>(await request(`${url}/history`), 200)).items).toHaveLength(1);
  });

  it('finds a document by its id in upper case too', async () => {
    const doc = await create({ title: 'CASE' });
    expect(await json<Doc>(await request(`${NOTES}/${doc.id.toUpperCase()}`), 200)).toEqual(doc);
  });

  it('mine=true gives an anonymous caller an empty page: anonymous callers own nothing', async () => {
    await create({ title: 'anonymous' });
    expect(await json<Page>(await request(`${NOTES}?mine=true`), 200)).toEqual({ items: [], nextCursor: null });
  });

  it('If-Match compares exactly: "01" is not version 1', async () => {
    const doc = await create({ title: 'exact' });
    const res = await request(`${NOTES}/${doc.id}`, jsonInit('PATCH', { title: 'x' }, { 'if-match': '"01"' }));
    await expectProblem(res, 412);
  });

  it('clearing a field the form does not have is an unknown field, not a silent no-op', async () => {
    const doc = await create({ title: 'typo' });
    const problem = await expectProblem(await request(`${NOTES}/${doc.id}`, jsonInit('PATCH', { titel: null })), 422);
    expect(problem.errors).toEqual([{ path: '/titel', message: 'unknown field' }]);
    expect((await json<Doc>(await request(`${NOTES}/${doc.id}`), 200)).version).toBe(1);
  });

  it('accepts every spelling of a JSON content type with parameters', async () => {
    for (const type of ['application/json ; charset=utf-8', 'application/json;charset=UTF-8', 'Application/JSON', 'application/merge-patch+json']) {
      const res = await request(NOTES, { method: 'POST', body: JSON.stringify({ title: type }), headers: { 'content-type': type } });
      expect(res.status, type).toBe(201);
    }
  });

  it('lists at most 100 problems for a body with thousands of unknown fields', async () => {
    const body = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`f${i}`, i]));
    const problem = await expectProblem(await request(NOTES, jsonInit('POST', { title: 'big', ...body })), 422);
    expect(problem.errors).toHaveLength(100);
    expect(problem.detail).toBe('The document has more than 100 problems; the first 100 are listed.');
  });

  it('answers a patch with thousands of unknown fields the same way, without merging them', async () => {
    const doc = await create({ title: 'big' });
    const body = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`f${i}`, i]));
    const problem = await expectProblem(await request(`${NOTES}/${doc.id}`, jsonInit('PATCH', body)), 422);
    expect(problem.errors).toHaveLength(100);
    expect(problem.errors?.[0]).toEqual({ path: '/f0', message: 'unknown field' });
    expect(problem.detail).toBe('The document has more than 100 problems; the first 100 are listed.');
  });
});
