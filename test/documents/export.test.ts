import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_BATCH } from '../../src/documents/export.ts';
import type { DocumentView as Doc, Page } from '../../src/documents/service.ts';
import { parseFormsFile, type FormRegistry } from '../../src/forms/index.ts';
import { buildTestApp, expectProblem, type TestApp } from '../support/app.ts';
import { csvRecords, parseCsv } from '../support/csv.ts';
import { DRIVERS } from '../support/databases.ts';
import { startIdentityServer, type IdentityServer } from '../support/identity-server.ts';

/** GET …/documents with Accept: text/csv, over HTTP (app.request), on a real database of each driver. */

const FORMS = `
forms:
  kinds:
    title: Every field type
    fields:
      title: { type: text, required: true }
      body: { type: textarea }
      email: { type: email }
      site: { type: url }
      count: { type: integer }
      amount: { type: number }
      day: { type: date }
      at: { type: datetime }
      ok: { type: boolean }
      colour: { type: select, options: [red, green] }
      picks: { type: multiselect, options: [a, b, c] }
  private-notes:
    title: Private notes
    fields:
      title: { type: text, required: true }
    access:
      '*': [create, read_own, update_own, delete_own]
      reviewers: [read_all]
  drop-box:
    title: Drop box
    fields:
      message: { type: text, required: true }
    access:
      '*': [create]
      staff: [read_all]
`;
const META = ['created_by', 'created_at', 'updated_by', 'updated_at'];
const KINDS = '/api/v1/forms/kinds/documents';
const PRIVATE = '/api/v1/forms/private-notes/documents';
const CSV = 'text/csv';
const USERS: Record<string, { userId: string; groups?: string[] }> = {
  alice: { userId: 'alice' },
  bob: { userId: 'bob' },
  rita: { userId: 'rita', groups: ['reviewers'] },
};

function formsRegistry(): FormRegistry {
  const parsed = parseFormsFile(FORMS, 'export.test.ts');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  return parsed.value;
}

let identity: IdentityServer;
beforeAll(async () => {
  identity = await startIdentityServer((call) => {
    const user = USERS[call.token ?? ''];
    return user ? { status: 200, body: user } : { status: 401 };
  });
});
afterAll(() => identity?.close());

describe.each(DRIVERS)('CSV export on $name', (driver) => {
  let t: TestApp;
  const request = (path: string, user: string | null = 'alice', accept: string | null = CSV, headers: Record<string, string> = {}) =>
    t.app.request(path, {
      headers: { ...(accept === null ? {} : { accept }), ...(user === null ? {} : { authorization: `Bearer ${user}` }), ...headers },
    });
  const create = async (path: string, data: Record<string, unknown>, user = 'alice'): Promise<Doc> => {
    const res = await t.app.request(path, { method: 'POST', body: JSON.stringify(data), headers: { 'content-type': 'application/json', authorization: `Bearer ${user}` } });
    expect(res.status, await res.clone().text()).toBe(201);
    return (await res.json()) as Doc;
  };
  const exported = async (path: string, user: string | null = 'alice', accept = CSV) => {
    const res = await request(path, user, accept);
    const body = await res.text();
    expect(res.status, body.slice(0, 500)).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    return { res, body, ...csvRecords(body) };
  };

  beforeAll(async () => {
    t = await buildTestApp(driver, { forms: formsRegistry(), authUrl: identity.url, protect: { forms: 'none', documents: 'all' } });
  });
  afterAll(() => t?.close());

  it('answers with the CSV headers, a header row in field order, and one row per document, cells by field type', async () => {
    const full = await create(KINDS, {
      title: 'Full',
      body: 'line one\nline two',
      email: 'ada@example.org',
      site: 'https://example.org/a?b=c,d',
      count: -3,
      amount: 2.5,
      day: '2026-01-31',
      at: '2026-01-31T09:30:00+02:00',
      ok: true,
      colour: 'green',
      picks: ['a', 'c'],
    });
    const sparse = await create(KINDS, { title: 'Sparse', ok: false });
    const { res, header, records, body } = await exported(KINDS);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="kinds-documents.csv"');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('vary')).toBe('Accept, Authorization');
    expect((await request(KINDS, 'alice', null)).headers.get('vary')).toBe('Accept, Authorization');
    expect(res.headers.get('x-request-id')).toEqual(expect.any(String));
    expect(header).toEqual(['id', 'title', 'body', 'email', 'site', 'count', 'amount', 'day', 'at', 'ok', 'colour', 'picks', ...META]);
    expect(body.startsWith('id,title,body,')).toBe(true);
    expect(records.map((r) => r.id)).toEqual([sparse.id, full.id]);
    expect(records[1]).toEqual({
      id: full.id,
      title: 'Full',
      body: 'line one\nline two',
      email: 'ada@example.org',
      site: 'https://example.org/a?b=c,d',
      count: '-3',
      amount: '2.5',
      day: '2026-01-31',
      at: '2026-01-31T09:30:00+02:00',
      ok: 'true',
      colour: 'green',
      picks: 'a; c',
      created_by: 'alice',
      created_at: full.createdAt,
      updated_by: 'alice',
      updated_at: full.updatedAt,
    });
    expect(records[0]).toMatchObject({ title: 'Sparse', body: '', count: '', ok: 'false', picks: '' });
  });

  it('quotes commas, quotes, line ends; keeps unicode; neutralises formulas but not numbers', async () => {
    const cases = ['a, b', 'say "hi"', 'cr\r\nlf', 'ünïcødé 😀 中文', '=1+1', '+1', '-1', '@SUM(A1)', '\tTab', '\rCR', 'x=1'];
    const before = (await exported(KINDS)).records.length;
    for (const title of cases) await create(KINDS, { title, count: -7 });
    const { records } = await exported(KINDS);
    expect(records).toHaveLength(before + cases.length);
    const titles = records.slice(0, cases.length).map((r) => r.title).reverse();
    expect(titles).toEqual(['a, b', 'say "hi"', 'cr\r\nlf', 'ünïcødé 😀 中文', "'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tTab", "'\rCR", 'x=1']);
    expect(records.slice(0, cases.length).every((r) => r.count === '-7')).toBe(true);
  });

  it('shows each caller what the list shows them: own documents, all for reviewers, mine=true, deleted', async () => {
    const a1 = await create(PRIVATE, { title: 'alice 1' }, 'alice');
    const b1 = await create(PRIVATE, { title: 'bob 1' }, 'bob');
    const a2 = await create(PRIVATE, { title: 'alice 2' }, 'alice');
    const gone = await create(PRIVATE, { title: 'alice gone' }, 'alice');
    const del = await t.app.request(`${PRIVATE}/${gone.id}`, { method: 'DELETE', headers: { authorization: 'Bearer alice' } });
    expect(del.status).toBe(204);

    const ids = async (path: string, user: string) => (await exported(path, user)).records.map((r) => r.id);
    expect(await ids(PRIVATE, 'alice')).toEqual([a2.id, a1.id]);
    expect(await ids(PRIVATE, 'bob')).toEqual([b1.id]);
    expect(await ids(PRIVATE, 'rita')).toEqual([a2.id, b1.id, a1.id]);
    expect(await ids(`${PRIVATE}?mine=true`, 'rita')).toEqual([]);
    // The same as the JSON list, for every caller.
    for (const user of ['alice', 'bob', 'rita']) {
      const page = (await (await request(`${PRIVATE}?limit=200`, user, null)).json()) as Page;
      expect(await ids(PRIVATE, user)).toEqual(page.items.map((d) => d.id));
    }

    const deleted = await exported(`${PRIVATE}?deleted=true`, 'alice');
    expect(deleted.header).toEqual(['id', 'title', ...META, 'deleted_at']);
    expect(deleted.records.map((r) => r.id)).toEqual([gone.id]);
    expect(deleted.records[0]!.deleted_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect((await exported(`${PRIVATE}?deleted=true`, 'bob')).records).toEqual([]);
  });

  it('answers what goes wrong before the first byte as problems: 401, 403, 404, 400', async () => {
    const unauthenticated = await request(KINDS, null);
    await expectProblem(unauthenticated, 401, KINDS);
    await expectProblem(await request('/api/v1/forms/drop-box/documents', 'alice'), 403);
    await expectProblem(await request('/api/v1/forms/nope/documents', 'alice'), 404);
    await expectProblem(await request(`${KINDS}?limit=0`, 'alice'), 400);
    await expectProblem(await request(`${KINDS}?cursor=not-a-cursor`, 'alice'), 400);
    await expectProblem(await request(`${KINDS}?deleted=maybe`, 'alice'), 400);
  });

  it('negotiates by the Accept header: JSON by default and on a tie, CSV when weighed above JSON', async () => {
    const kind = async (accept: string | null) => (await request(KINDS, 'alice', accept)).headers.get('content-type') ?? '';
    for (const accept of [null, 'application/json', '*/*', 'text/csv, application/json', 'text/csv;q=0.5, application/json', 'text/csv;q=0', 'text/html']) {
      expect(await kind(accept), String(accept)).toMatch(/^application\/json/);
    }
    for (const accept of ['text/csv', 'application/json;q=0.9, text/csv', 'text/*', 'text/csv;q=0.9, */*;q=0.1']) {
      expect(await kind(accept), accept).toMatch(/^text\/csv/);
    }
  });
});

describe.each(DRIVERS)('CSV export of more than one batch on $name', (driver) => {
  const BULK = '/api/v1/forms/kinds/documents';
  const total = 2 * EXPORT_BATCH + 37;
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp(driver, { forms: formsRegistry() });
    for (let i = 0; i < total; i++) {
      const res = await t.app.request(BULK, { method: 'POST', body: JSON.stringify({ title: `doc ${i}`, count: i }), headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(201);
    }
  }, 120_000);
  // The last test closes the database itself.
  afterAll(() => t?.close().catch(() => {}));

  it('walks every batch: each document exactly once, newest first, as the JSON pages list them', async () => {
    const res = await t.app.request(BULK, { headers: { accept: CSV } });
    expect(res.status).toBe(200);
    const { records } = csvRecords(await res.text());
    expect(records).toHaveLength(total);
    expect(new Set(records.map((r) => r.id)).size).toBe(total);
    expect(records.map((r) => Number(r.count))).toEqual(Array.from({ length: total }, (_, i) => total - 1 - i));

    const listed: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page: Page = (await (await t.app.request(`${BULK}?limit=200${cursor ? `&cursor=${cursor}` : ''}`)).json()) as Page;
      listed.push(...page.items.map((d) => d.id));
      cursor = page.nextCursor;
      if (cursor === null) break;
    }
    expect(records.map((r) => r.id)).toEqual(listed);
  });

  it('starts after a cursor, as the list does, and `limit` does not cut the export', async () => {
    const first = (await (await t.app.request(`${BULK}?limit=10`)).json()) as Page;
    const res = await t.app.request(`${BULK}?limit=10&cursor=${first.nextCursor}`, { headers: { accept: CSV } });
    const { records } = csvRecords(await res.text());
    expect(records).toHaveLength(total - 10);
    expect(records[0]!.count).toBe(String(total - 11));
  });

  it('cuts the transfer off when the database fails mid-stream, and logs it', async () => {
    const res = await t.app.request(BULK, { headers: { accept: CSV } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value, { stream: true });
    await t.database.close();
    let failure: unknown;
    try {
      // Bounded: the export has three batches; the one after the close fails.
      for (let i = 0; i < 10; i++) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += decoder.decode(chunk.value, { stream: true });
      }
    } catch (e) {
      failure = e;
    }
    expect(failure).toBeInstanceOf(Error);
    // What did arrive is whole rows, but fewer than all: the break is the only sign, and it is there.
    expect(parseCsv(text).length).toBeLessThan(total + 1);
    expect(t.logs.some((l) => l.msg?.startsWith('CSV export failed') && l.level === 'error')).toBe(true);

    // With the database down before the first byte, the answer is the usual problem, not a file.
    const down = await t.app.request(BULK, { headers: { accept: CSV } });
    expect(down.headers.get('retry-after')).toBe('5');
    await expectProblem(down, 503, BULK);
  });
});
