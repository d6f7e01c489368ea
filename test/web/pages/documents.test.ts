import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, mainOf, withAttribute } from './html.ts';
import { apiJson, buildWebTestApp, type WebTestApp } from './support.ts';

let app: WebTestApp;
const TOTAL = 45;
const ids: string[] = [];

beforeAll(async () => {
  app = await buildWebTestApp();
  for (let i = 1; i <= TOTAL; i++) {
    const created = await apiJson(app, 'POST', '/api/v1/forms/notes/documents', { title: i === TOTAL ? '<script>alert(1)</script> & "q"' : `note ${i}` });
    if (created.status !== 201) throw new Error(`could not create note ${i}: ${created.status}`);
    ids.push(String(created.body?.id));
  }
});
afterAll(() => app?.close());

const page = async (path: string) => {
  const res = await app.request(path);
  return { res, html: await res.text() };
};

/** The titles in the table, in order: the first column links to each document. */
const listed = (html: string): string[] => [...mainOf(html).matchAll(/<td><a href="\/forms\/notes\/documents\/[0-9a-f-]{36}">([^<]*)<\/a><\/td>/g)].map((m) => decode(m[1] ?? ''));
const link = (html: string, rel: string): string => {
  const found = withAttribute(html, 'rel', rel);
  if (found.length !== 1) throw new Error(`expected one ${rel} link, found ${found.length}`);
  return found[0]?.attributes.href ?? '';
};
const notes = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, i) => `note ${from - i}`);

describe('the documents list', () => {
  it('shows the newest first, a page at a time, with next and previous', async () => {
    const first = await page('/forms/notes/documents');
    expect(first.res.status).toBe(200);
    expect(listed(first.html)).toEqual(['<script>alert(1)</script> & "q"', ...notes(44, 26)]);
    expect(first.html).not.toContain('<script>');
    expect(withAttribute(first.html, 'rel', 'prev')).toHaveLength(0);

    const second = await page(link(first.html, 'next'));
    expect(listed(second.html)).toEqual(notes(25, 6));
    const third = await page(link(second.html, 'next'));
    expect(listed(third.html)).toEqual(notes(5, 1));
    expect(withAttribute(third.html, 'rel', 'next')).toHaveLength(0);

    const back = await page(link(third.html, 'prev'));
    expect(listed(back.html)).toEqual(notes(25, 6));
    const backAgain = await page(link(back.html, 'prev'));
    expect(listed(backAgain.html)).toEqual(listed(first.html));
    expect(withAttribute(backAgain.html, 'rel', 'prev')).toHaveLength(0);
    const firstLink = withAttribute(third.html, 'href', '/forms/notes/documents');
    expect(firstLink.length).toBeGreaterThanOrEqual(1);
  });

  it('ignores a cursor that is not one and tells the API what the page asked for', async () => {
    const odd = await page('/forms/notes/documents?cursor=%22%3E%3Cscript%3E');
    expect(odd.res.status).toBe(200);
    expect(listed(odd.html)[0]).toBe('<script>alert(1)</script> & "q"');
    // A cursor of the right shape the API did not make: the API's 400, as a page.
    const forged = await page('/forms/notes/documents?cursor=bm90LWEtY3Vyc29y');
    expect(forged.res.status).toBe(502);
    expect(forged.res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(forged.html).not.toContain('"detail"');
  });

  it('offers only yours to a signed-in person; an anonymous visitor owns no documents', async () => {
    const { html } = await page('/forms/notes/documents');
    expect(withAttribute(html, 'href', '/forms/notes/documents?mine=true')).toHaveLength(0);
    const mine = await page('/forms/notes/documents?mine=true');
    expect(listed(mine.html)).toEqual([]);
    expect(mainOf(mine.html)).toContain('There are no documents here yet.');
  });

  it('says what a person may not read, as a page', async () => {
    const { res, html } = await page('/forms/mine-only/documents');
    expect(res.status).toBe(403);
    expect(mainOf(html)).toContain('You may not do this');
  });

  it('deletes after a confirmation, lists the deleted ones, and restores', async () => {
    const id = ids[0] ?? '';
    const confirm = await page(`/forms/notes/documents/${id}/delete`);
    expect(confirm.res.status).toBe(200);
    expect(mainOf(confirm.html)).toContain('Delete this document?');
    expect(mainOf(confirm.html)).toContain('<dd>note 1</dd>');
    expect(withAttribute(confirm.html, 'name', '_csrf')).toHaveLength(1);
    expect(withAttribute(confirm.html, 'name', '_version')[0]?.attributes.value).toBe('1');
    const deleted = await app.submit(`/forms/notes/documents/${id}/delete`, [['_version', '1']]);
    expect(deleted.status).toBe(303);
    expect(deleted.headers.get('location')).toBe(`/forms/notes/documents/${id}`);
    expect((await apiJson(app, 'GET', `/api/v1/forms/notes/documents/${id}`)).body?.deletedAt).toEqual(expect.any(String));

    const shown = await page(`/forms/notes/documents/${id}`);
    expect(mainOf(shown.html)).toContain('This document was deleted by an anonymous visitor');
    expect(withAttribute(shown.html, 'action', `/forms/notes/documents/${id}/restore`)).toHaveLength(1);
    expect(withAttribute(shown.html, 'href', `/forms/notes/documents/${id}/edit`)).toHaveLength(0);

    const live = await page('/forms/notes/documents?cursor=' + encodeURIComponent(String((await apiJson(app, 'GET', '/api/v1/forms/notes/documents?limit=40')).body?.nextCursor)));
    expect(listed(live.html)).not.toContain('note 1');
    const gone = await page('/forms/notes/documents?deleted=true');
    expect(listed(gone.html)).toEqual(['note 1']);

    const restored = await app.submit(`/forms/notes/documents/${id}/restore`, [['_version', '2']], `/forms/notes/documents/${id}`);
    expect(restored.status).toBe(303);
    expect(restored.headers.get('location')).toBe(`/forms/notes/documents/${id}?restored=1`);
    expect(mainOf((await page(restored.headers.get('location') ?? '')).html)).toContain('The document was restored.');
    expect(listed((await page('/forms/notes/documents?deleted=true')).html)).toEqual([]);
  });

  it('asks again when the document changed after the confirmation was shown', async () => {
    const id = ids[1] ?? '';
    const changed = await apiJson(app, 'PATCH', `/api/v1/forms/notes/documents/${id}`, { title: 'note 2, changed' });
    expect(changed.status).toBe(200);
    const stale = await app.submit(`/forms/notes/documents/${id}/delete`, [['_version', '1']]);
    expect(stale.status).toBe(412);
    const html = await stale.text();
    expect(mainOf(html)).toContain('Someone changed this document after you opened it.');
    expect(mainOf(html)).toContain('<dd>note 2, changed</dd>');
    expect(withAttribute(html, 'name', '_version')[0]?.attributes.value).toBe('2');
    expect((await apiJson(app, 'GET', `/api/v1/forms/notes/documents/${id}`)).body?.deletedAt).toBeNull();
  });

  it('downloads the list as CSV through the API, with the API’s type and file name', async () => {
    const direct = await app.request('/api/v1/forms/notes/documents?deleted=true', { headers: { accept: 'text/csv' } });
    const apiHasCsv = /^text\/csv/.test(direct.headers.get('content-type') ?? '');
    await direct.body?.cancel();
    const { html } = await page('/forms/notes/documents?deleted=true');
    expect(withAttribute(html, 'href', '/forms/notes/documents.csv?deleted=true')).toHaveLength(1);
    const res = await app.request('/forms/notes/documents.csv?deleted=true');
    if (apiHasCsv) {
      // The API's CSV export has landed: the body is the API's, streamed through.
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(direct.headers.get('content-type'));
      expect(res.headers.get('content-disposition')).toMatch(/^attachment/);
      const again = await app.request('/api/v1/forms/notes/documents?deleted=true', { headers: { accept: 'text/csv' } });
      expect(await res.text()).toBe(await again.text());
    } else {
      // Not yet: a page that says something went wrong, never the API's JSON passed off as a CSV file.
      expect(res.status).toBe(502);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(mainOf(await res.text())).toContain('Something went wrong');
      expect(res.headers.get('content-disposition')).toBeNull();
    }
  });
});
