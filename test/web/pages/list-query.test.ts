import { describe, expect, it } from 'vitest';
import { MAX_BACK, nextQuery, previousQuery, readListQuery, type ListQuery } from '../../../src/web/pages/list-query.ts';

const read = (query: string): ListQuery => {
  const params = new URLSearchParams(query);
  return readListQuery((name) => params.get(name) ?? undefined);
};

describe('the way back through the list', () => {
  it('walks forward and back through the cursors it carries, keeping the filters', () => {
    const first = read('mine=true');
    const second = read(nextQuery(first, 'c1'));
    const third = read(nextQuery(second, 'c2'));
    expect(third).toEqual({ mine: true, deleted: false, cursor: 'c2', back: ['c1', ''] });
    const back = read(previousQuery(third) ?? '');
    expect(back).toEqual({ mine: true, deleted: false, cursor: 'c1', back: [''] });
    expect(read(previousQuery(back) ?? '')).toEqual({ mine: true, deleted: false, cursor: undefined, back: [] });
    expect(previousQuery(first)).toBeUndefined();
  });

  it('keeps at most MAX_BACK pages; from deeper, previous ends at the first page', () => {
    let q = read('deleted=true');
    for (let i = 1; i <= MAX_BACK + 5; i++) q = read(nextQuery(q, `c${i}`));
    expect(q.back).toHaveLength(MAX_BACK);
    for (let i = 0; i < MAX_BACK; i++) q = read(previousQuery(q) ?? '');
    expect(q.cursor).toBeDefined();
    expect(read(previousQuery(q) ?? '').cursor).toBeUndefined();
  });

  it('drops what is not a cursor', () => {
    expect(read('cursor=%22%3E%3Cx&back=ok.%3Cscript%3E')).toEqual({ mine: false, deleted: false, cursor: undefined, back: ['ok'] });
  });
});
