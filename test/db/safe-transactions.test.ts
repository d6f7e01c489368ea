import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { withSafeTransactions } from '../../src/db/safe-transactions.ts';
import { createPostgresDatabase } from '../support/databases.ts';
import { withTimeout } from '../support/process.ts';

/**
 * The guarded begin() on real PostgreSQL, with a pool of ONE connection, so a transaction that failed to
 * hand its connection back makes the next query wait forever (bounded here by a timeout). Connections cut
 * under load, what the guard exists for, are test/chaos/database-cuts.test.ts.
 */

let url: string;
let sql: postgres.Sql;

beforeAll(async () => {
  url = await createPostgresDatabase();
  sql = withSafeTransactions(postgres(url, { max: 1, onnotice: () => {} }));
  await sql`create table items (x int primary key)`;
});

afterAll(async () => {
  await sql?.end({ timeout: 1 });
});

const nextQuery = () => withTimeout(sql`select 1 as one`, 5_000, 'the pool to hand out its one connection');

describe('withSafeTransactions', () => {
  test('a transaction that fails rolls back and hands its connection back, every time', async () => {
    for (let i = 0; i < 3; i++) {
      await expect(
        sql.begin(async (tx) => {
          await tx`insert into items values (${100 + i})`;
          await tx`select 1 / 0`;
        }),
      ).rejects.toMatchObject({ code: '22012' });
      expect(await nextQuery()).toEqual([{ one: 1 }]);
    }
    expect(await sql`select count(*)::int as n from items where x >= 100`).toEqual([{ n: 0 }]);
  });

  test('a transaction that succeeds commits; one that throws in its own code rolls back', async () => {
    await sql.begin(async (tx) => {
      await tx`insert into items values (1)`;
    });
    await expect(
      sql.begin(async (tx) => {
        await tx`insert into items values (2)`;
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await sql`select x from items where x < 100 order by x`).toEqual([{ x: 1 }]);
  });

  test('a savepoint that fails rolls back to itself; the transaction goes on', async () => {
    await sql.begin(async (tx) => {
      await tx`insert into items values (10)`;
      await tx.savepoint(async (sp) => {
        await sp`insert into items values (11)`;
        throw new Error('inner');
      }).catch(() => {});
      await tx`insert into items values (12)`;
    });
    expect(await sql`select x from items where x between 10 and 19 order by x`).toEqual([{ x: 10 }, { x: 12 }]);
  });

  test('begin() after end() fails like any query after end()', async () => {
    const ended = withSafeTransactions(postgres(url, { max: 1, onnotice: () => {} }));
    await ended.end();
    await expect(ended.begin(async (tx) => tx`select 1`)).rejects.toMatchObject({ code: 'CONNECTION_ENDED' });
  });
});
