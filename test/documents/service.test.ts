import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS, type Caller } from '../../src/auth/caller.ts';
import type { Database } from '../../src/db/connect.ts';
import { PAGE_MAX_BYTES } from '../../src/documents/page-bounds.ts';
import * as service from '../../src/documents/service.ts';
import type { FormRegistry } from '../../src/forms/index.ts';
import { DRIVERS, openMigratedDatabase } from '../support/databases.ts';
import { fixtureForms } from '../support/forms.ts';

const alice: Caller = { kind: 'person', userId: 'alice', groups: [], scopes: [] };
const bob: Caller = { kind: 'person', userId: 'bob', groups: [], scopes: [] };
const reviewer: Caller = { kind: 'person', userId: 'rita', groups: ['reviewers'], scopes: [] };
const editor: Caller = { kind: 'person', userId: 'ed', groups: ['editors'], scopes: [] };
const staff: Caller = { kind: 'person', userId: 'sam', groups: ['staff'], scopes: [] };

describe.each(DRIVERS)('document service on $name', (driver) => {
  let database: Database;
  let forms: FormRegistry;
  const ctx = (form: string, caller: Caller) => ({ db: database.db, form: forms.get(form)!, caller });
  const value = <T, E>(r: { ok: true; value: T } | { ok: false; error: E }): T => {
    if (!r.ok) throw new Error(`expected success, got ${JSON.stringify(r.error)}`);
    return r.value;
  };
  const error = <T, E>(r: { ok: true; value: T } | { ok: false; error: E }): E => {
    if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value)}`);
    return r.error;
  };

  beforeAll(async () => {
    database = await openMigratedDatabase(driver);
    forms = await fixtureForms();
  });
  afterAll(() => database?.close());

  it('creates a document with defaults, the creator and version 1', async () => {
    const doc = value(await service.createDocument(ctx('notes', alice), { title: 'Hello' }));
    expect(doc).toMatchObject({ form: 'notes', version: 1, data: { title: 'Hello', priority: 3 }, createdBy: 'alice', updatedBy: 'alice', deletedAt: null });
    expect(value(await service.getDocument(ctx('notes', alice), doc.id))).toEqual(doc);
  });

  it('rejects invalid data with every field error and stores nothing', async () => {
    const e = error(await service.createDocument(ctx('notes', alice), { priority: 9, colour: 'red' }));
    expect(e.kind).toBe('invalid');
    const paths = e.kind === 'invalid' ? e.errors.map((x) => x.path).sort() : [];
    expect(paths).toEqual(['/colour', '/priority', '/title']);
  });

  it('patches by merge, clears with null, records history with who and what changed', async () => {
    const doc = value(await service.createDocument(ctx('notes', alice), { title: 'Draft', body: 'text', tags: ['red'] }));
    const patched = value(await service.patchDocument(ctx('notes', bob), doc.id, { title: 'Final', body: null }, [1]));
    expect(patched.version).toBe(2);
    expect(patched.data).toEqual({ title: 'Final', priority: 3, tags: ['red'] });
    expect(patched.updatedBy).toBe('bob');
    expect(patched.createdBy).toBe('alice');

    const history = value(await service.documentHistory(ctx('notes', alice), doc.id));
    expect(history.map((v) => [v.version, v.action, v.by])).toEqual([
      [1, 'create', 'alice'],
      [2, 'update', 'bob'],
    ]);
    expect(history[1]!.changes).toEqual([
      { field: 'body', from: 'text' },
      { field: 'title', from: 'Draft', to: 'Final' },
    ]);
  });

  it('an empty or identical patch makes no new version', async () => {
    const doc = value(await service.createDocument(ctx('notes', alice), { title: 'Same' }));
    expect(value(await service.patchDocument(ctx('notes', alice), doc.id, {}, undefined)).version).toBe(1);
    expect(value(await service.patchDocument(ctx('notes', alice), doc.id, { title: 'Same' }, undefined)).version).toBe(1);
    expect(value(await service.documentHistory(ctx('notes', alice), doc.id))).toHaveLength(1);
  });

  it('a patch that breaks the rules changes nothing', async () => {
    const doc = value(await service.createDocument(ctx('notes', alice), { title: 'Keep' }));
    expect(error(await service.patchDocument(ctx('notes', alice), doc.id, { title: null }, undefined)).kind).toBe('invalid');
    expect(error(await service.patchDocument(ctx('notes', alice), doc.id, { priority: 'high' }, undefined)).kind).toBe('invalid');
    expect(error(await service.patchDocument(ctx('notes', alice), doc.id, ['x'], undefined)).kind).toBe('invalid');
    expect(value(await service.getDocument(ctx('notes', alice), doc.id))).toMatchObject({ version: 1, data: { title: 'Keep', priority: 3 } });
  });

  it('refuses a stale If-Match with precondition_failed and accepts * and the current version', async () => {
    const doc = value(await service.createDocument(ctx('notes', alice), { title: 'v1' }));
    value(await service.patchDocument(ctx('notes', alice), doc.id, { title: 'v2' }, [1]));
    expect(error(await service.patchDocument(ctx('notes', alice), doc.id, { title: 'v3' }, [1])).kind).toBe('precondition_failed');
    expect(value(await service.patchDocument(ctx('notes', alice), doc.id, { title: 'v3' }, 'any')).version).toBe(3);
    expect(value(await service.patchDocument(ctx('notes', alice), doc.id, { title: 'v4' }, [2, 3])).version).toBe(4);
  });

  it('soft-deletes and restores, with conflicts for the wrong state', async () => {
    const doc = value(await service.createDocument(ctx('notes', alice), { title: 'Gone soon' }));
    const deleted = value(await service.deleteDocument(ctx('notes', alice), doc.id, undefined));
    expect(deleted.deletedAt).not.toBeNull();
    expect(deleted.deletedBy).toBe('alice');
    expect(error(await service.deleteDocument(ctx('notes', alice), doc.id, undefined)).kind).toBe('conflict');
    expect(error(await service.patchDocument(ctx('notes', alice), doc.id, { title: 'x' }, undefined)).kind).toBe('conflict');
    const restored = value(await service.restoreDocument(ctx('notes', alice), doc.id, undefined));
    expect(restored).toMatchObject({ version: 3, deletedAt: null, deletedBy: null, data: { title: 'Gone soon' } });
    expect(error(await service.restoreDocument(ctx('notes', alice), doc.id, undefined)).kind).toBe('conflict');
    const actions = value(await service.documentHistory(ctx('notes', alice), doc.id)).map((v) => v.action);
    expect(actions).toEqual(['create', 'delete', 'restore']);
  });

  it('lists newest first in keyset pages that cover every document once', async () => {
    const form = 'notes';
    const created: string[] = [];
    // Only this test's documents: a fresh creator keeps other tests' rows out of the count.
    const pager: Caller = { kind: 'person', userId: `pager-${driver.name}`, groups: [], scopes: [] };
    for (let i = 0; i < 7; i++) created.push(value(await service.createDocument(ctx(form, pager), { title: `n${i}` })).id);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = value(await service.listDocuments(ctx(form, pager), { limit: 3, mine: true, deleted: false, ...(cursor ? { cursor } : {}) }));
      seen.push(...result.items.map((d) => d.id));
      if (result.nextCursor === null) break;
      cursor = result.nextCursor;
    }
    expect(seen).toEqual([...created].reverse());
  });

  it('ends a page early at the byte bound; a document larger than the bound comes alone; every document once', async () => {
    const sizer: Caller = { kind: 'person', userId: `sizer-${driver.name}`, groups: [], scopes: [] };
    // Listed newest first these make four pages: the small one (with the huge one it would pass the bound), the huge
    // one alone, two of the three others (a third would pass it), the last. Repeated letters compress to almost
    // nothing in storage: the bound counts the JSON text a reader gets, not the bytes on disk.
    const sizes = [0.35 * PAGE_MAX_BYTES, 0.35 * PAGE_MAX_BYTES, 0.35 * PAGE_MAX_BYTES, 1.02 * PAGE_MAX_BYTES, 10];
    const ids: string[] = [];
    for (const [i, size] of sizes.entries()) {
      ids.push(value(await service.createDocument(ctx('notes', sizer), { title: `big ${i}`, body: 'x'.repeat(Math.floor(size)) })).id);
    }
    const [a, b, c, huge, small] = ids;
    const pages: string[][] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = value(await service.listDocuments(ctx('notes', sizer), { limit: 200, mine: true, deleted: false, ...(cursor ? { cursor } : {}) }));
      pages.push(result.items.map((doc) => doc.id));
      if (result.nextCursor === null) break;
      cursor = result.nextCursor;
    }
    expect(pages).toEqual([[small], [huge], [c, b], [a]]);
  }, 120_000);

  it('lists deleted documents only when asked', async () => {
    const lister: Caller = { kind: 'person', userId: `lister-${driver.name}`, groups: [], scopes: [] };
    const live = value(await service.createDocument(ctx('notes', lister), { title: 'live' }));
    const gone = value(await service.createDocument(ctx('notes', lister), { title: 'gone' }));
    value(await service.deleteDocument(ctx('notes', lister), gone.id, undefined));
    const ids = async (deleted: boolean) =>
      value(await service.listDocuments(ctx('notes', lister), { limit: 50, mine: true, deleted })).items.map((d) => d.id);
    expect(await ids(false)).toEqual([live.id]);
    expect(await ids(true)).toEqual([gone.id]);
  });

  it('rejects a cursor it did not issue', async () => {
    const e = error(await service.listDocuments(ctx('notes', alice), { limit: 5, mine: false, deleted: false, cursor: 'bm9wZQ' }));
    expect(e.kind).toBe('bad_request');
  });

  describe('read_own isolation (form private-notes)', () => {
    let alicesNote: string;
    beforeAll(async () => {
      alicesNote = value(await service.createDocument(ctx('private-notes', alice), { title: 'Alice’s secret' })).id;
      value(await service.createDocument(ctx('private-notes', bob), { title: 'Bob’s secret' }));
    });

    it('the owner reads, updates, deletes and restores her own document', async () => {
      expect(value(await service.getDocument(ctx('private-notes', alice), alicesNote)).data.title).toBe('Alice’s secret');
      value(await service.patchDocument(ctx('private-notes', alice), alicesNote, { title: 'Alice’s secret, v2' }, undefined));
      value(await service.deleteDocument(ctx('private-notes', alice), alicesNote, undefined));
      value(await service.restoreDocument(ctx('private-notes', alice), alicesNote, undefined));
    });

    it('another user cannot see, change, delete or read the history of it: it does not exist for them', async () => {
      expect(error(await service.getDocument(ctx('private-notes', bob), alicesNote)).kind).toBe('not_found');
      expect(error(await service.patchDocument(ctx('private-notes', bob), alicesNote, { title: 'mine now' }, undefined)).kind).toBe('not_found');
      expect(error(await service.deleteDocument(ctx('private-notes', bob), alicesNote, undefined)).kind).toBe('not_found');
      expect(error(await service.restoreDocument(ctx('private-notes', bob), alicesNote, undefined)).kind).toBe('not_found');
      expect(error(await service.documentHistory(ctx('private-notes', bob), alicesNote)).kind).toBe('not_found');
    });

    it('a read_own caller lists only their own documents, asked or not', async () => {
      const page = value(await service.listDocuments(ctx('private-notes', bob), { limit: 50, mine: false, deleted: false }));
      expect(page.items.map((d) => d.data.title)).toEqual(['Bob’s secret']);
    });

    it('read_all sees everyone’s documents but may not change others’', async () => {
      const page = value(await service.listDocuments(ctx('private-notes', reviewer), { limit: 50, mine: false, deleted: false }));
      expect(page.items.map((d) => d.createdBy).sort()).toEqual(['alice', 'bob']);
      expect(value(await service.getDocument(ctx('private-notes', reviewer), alicesNote)).createdBy).toBe('alice');
      expect(error(await service.patchDocument(ctx('private-notes', reviewer), alicesNote, { title: 'x' }, undefined)).kind).toBe('forbidden');
      expect(error(await service.deleteDocument(ctx('private-notes', reviewer), alicesNote, undefined)).kind).toBe('forbidden');
    });

    it('update_all and delete_all act on anyone’s document', async () => {
      expect(value(await service.patchDocument(ctx('private-notes', editor), alicesNote, { title: 'edited' }, undefined)).updatedBy).toBe('ed');
      expect(value(await service.deleteDocument(ctx('private-notes', editor), alicesNote, undefined)).deletedBy).toBe('ed');
      value(await service.restoreDocument(ctx('private-notes', editor), alicesNote, undefined));
    });

    it('anonymous callers may do nothing on a form that grants them nothing', async () => {
      expect(error(await service.createDocument(ctx('private-notes', ANONYMOUS), { title: 'x' })).kind).toBe('forbidden');
      expect(error(await service.listDocuments(ctx('private-notes', ANONYMOUS), { limit: 5, mine: false, deleted: false })).kind).toBe('forbidden');
      expect(error(await service.getDocument(ctx('private-notes', ANONYMOUS), alicesNote)).kind).toBe('forbidden');
    });
  });

  describe('anonymous drop box (create only)', () => {
    it('anonymous may create but not read back; staff read all', async () => {
      const doc = value(await service.createDocument(ctx('drop-box', ANONYMOUS), { message: 'tip' }));
      expect(doc.createdBy).toBeNull();
      expect(error(await service.getDocument(ctx('drop-box', ANONYMOUS), doc.id)).kind).toBe('forbidden');
      expect(value(await service.getDocument(ctx('drop-box', staff), doc.id)).data).toEqual({ message: 'tip' });
      expect(error(await service.createDocument(ctx('drop-box', staff), { message: 'x' })).kind).toBe('forbidden');
    });
  });
});
