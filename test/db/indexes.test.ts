import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/connect.ts';
import { PAGE_MAX_BYTES } from '../../src/documents/page-bounds.ts';
import { listQuery, type ListQuery } from '../../src/documents/store.ts';
import { createPostgresDatabase } from '../support/databases.ts';

// The planner, not a stopwatch, tells whether listing stays fast as a form grows: every list query must be
// an index range scan in id order (no sort, no scan of the whole table), whatever the table's size.
describe('list queries use the indexes on PostgreSQL', () => {
  let database: Database;
  let sql: postgres.Sql;

  beforeAll(async () => {
    const url = await createPostgresDatabase();
    database = await openDatabase({ kind: 'postgres', url });
    await database.migrate();
    sql = postgres(url, { max: 1, onnotice: () => {} });
    // 200k documents: a big form and a small one (1 in 100) spread over the same time, 50 creators, one in ten
    // deleted; ids are time-ordered like UUIDv7. The small form is the hard case: a scan in id order that filters
    // by form would read a hundred rows for each one it returns.
    await sql`
      insert into documents (id, form, version, data, created_by, created_at, updated_by, updated_at, deleted_at)
      select (lpad(to_hex(i), 12, '0') || '7000800000000000' || lpad(to_hex(i % 4096), 4, '0'))::uuid,
             case when i % 100 = 0 then 'small' else 'big' end, 1, jsonb_build_object('n', i), 'user-' || (i % 50), now(), 'user-' || (i % 50), now(),
             case when i % 10 = 0 then now() end
      from generate_series(1, 200000) as i`;
    await sql`analyze documents`;
  }, 120_000);

  afterAll(async () => {
    await sql?.end();
    await database?.close();
  });

  async function plan(q: ListQuery): Promise<string> {
    const { sql: text, params } = listQuery(database.db, q).toSQL();
    const rows = await sql.unsafe(`explain ${text}`, params as never[]);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  const cases: [string, ListQuery, string][] = [
    ['first page of live documents', { form: 'small', limit: 50, maxBytes: PAGE_MAX_BYTES, deleted: false }, 'documents_form_live_idx'],
    ['a later page', { form: 'small', limit: 50, maxBytes: PAGE_MAX_BYTES, deleted: false, before: '00000000-c350-7000-8000-000000000350' }, 'documents_form_live_idx'],
    ['deleted documents', { form: 'small', limit: 50, maxBytes: PAGE_MAX_BYTES, deleted: true }, 'documents_form_deleted_idx'],
    ['mine', { form: 'big', limit: 50, maxBytes: PAGE_MAX_BYTES, deleted: false, createdBy: 'user-3' }, 'documents_form_creator_idx'],
  ];

  it.each(cases)('%s', async (_name, q, index) => {
    const text = await plan(q);
    expect(text).toMatch(new RegExp(`Index Scan (Backward )?using ${index} `));
    expect(text).not.toMatch(/\bSort\b|Seq Scan/);
  });
});
