/**
 * The documents list's own query: which documents (`mine`, `deleted`), where the page starts (`cursor`), and
 * how to get back. The API gives only a next cursor, so the way back travels in the page's URL: `back` lists
 * the cursors of the pages before this one, newest first ('' is the first page), at most MAX_BACK of them;
 * from a page deeper than that, "Previous" stops at the oldest one kept and "First page" is always offered.
 */
export interface ListQuery {
  readonly mine: boolean;
  readonly deleted: boolean;
  readonly cursor: string | undefined;
  readonly back: readonly string[];
}

export const MAX_BACK = 10;
export const PAGE_SIZE = 20;
// The API's cursors are at most 200 characters; anything else in the URL is not one of ours.
const CURSOR = /^[A-Za-z0-9_-]{1,200}$/;

export function readListQuery(query: (name: string) => string | undefined): ListQuery {
  const cursor = query('cursor');
  const back = (query('back') ?? '').split('.').filter((c) => c === '' || CURSOR.test(c));
  return {
    mine: query('mine') === 'true',
    deleted: query('deleted') === 'true',
    cursor: cursor !== undefined && CURSOR.test(cursor) ? cursor : undefined,
    back: query('back') === undefined ? [] : back.slice(0, MAX_BACK),
  };
}

/** The filters alone, as the API and the CSV download take them. */
export function filterParams(q: Pick<ListQuery, 'mine' | 'deleted'>): URLSearchParams {
  const params = new URLSearchParams();
  if (q.mine) params.set('mine', 'true');
  if (q.deleted) params.set('deleted', 'true');
  return params;
}

export function apiListQuery(q: ListQuery): string {
  const params = filterParams(q);
  params.set('limit', String(PAGE_SIZE));
  if (q.cursor !== undefined) params.set('cursor', q.cursor);
  return params.toString();
}

/** This page's query for the web page's own URL. */
export function pageQuery(q: ListQuery): string {
  const params = filterParams(q);
  if (q.cursor !== undefined) params.set('cursor', q.cursor);
  // Cursors are base64url, so '.' never occurs in one and separates them.
  if (q.back.length > 0) params.set('back', q.back.join('.'));
  return params.toString();
}

export function nextQuery(q: ListQuery, next: string): string {
  return pageQuery({ ...q, cursor: next, back: [q.cursor ?? '', ...q.back].slice(0, MAX_BACK) });
}

/** undefined on the first page. */
export function previousQuery(q: ListQuery): string | undefined {
  if (q.cursor === undefined) return undefined;
  const [previous, ...older] = q.back;
  return pageQuery({ ...q, cursor: previous === undefined || previous === '' ? undefined : previous, back: older });
}
