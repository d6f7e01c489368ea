import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRAFT_COOKIE, DRAFT_MAX_SEALED_CHARS, openDraft, sealDraft } from '../../../src/web/pages/draft.ts';
import { seal } from '../../../src/web/seal.ts';
import { byId, innerOf, mainOf } from './html.ts';
import { apiJson, buildWebTestApp, type WebTestApp } from './support.ts';

const key = () => new Uint8Array(randomBytes(32));

describe('the draft kept across a sign-in', () => {
  const keys = [key()];
  const draft = { page: '/forms/notes/new', values: { title: 'Hello & <b>', tags: ['a', 'b'] } };

  it('opens for its own page only, with the values it was sealed with', async () => {
    const sealed = await sealDraft(draft, keys);
    if (!sealed.ok) throw new Error('a small draft must fit');
    expect(sealed.value).not.toContain('Hello');
    expect(await openDraft(sealed.value, keys, '/forms/notes/new')).toEqual(draft);
    expect(await openDraft(sealed.value, keys, '/forms/other/new')).toBeUndefined();
    // After a key rotation the old key still opens it, in second place.
    expect(await openDraft(sealed.value, [key(), ...keys], '/forms/notes/new')).toEqual(draft);
    expect(await openDraft(sealed.value, [key()], '/forms/notes/new')).toBeUndefined();
    expect(await openDraft(undefined, keys, '/forms/notes/new')).toBeUndefined();
    expect(await openDraft(`${sealed.value.slice(0, -4)}AAAA`, keys, '/forms/notes/new')).toBeUndefined();
  });

  it('does not open once expired, or when it is not a draft', async () => {
    expect(await openDraft(await seal(draft, keys, -1), keys, '/forms/notes/new')).toBeUndefined();
    expect(await openDraft(await seal({ page: '/forms/notes/new', values: { title: 7 } }, keys, 60), keys, '/forms/notes/new')).toBeUndefined();
  });

  it('refuses values whose sealed form would pass the bound', async () => {
    const big = await sealDraft({ page: '/forms/notes/new', values: { body: 'x'.repeat(DRAFT_MAX_SEALED_CHARS) } }, keys);
    expect(big).toEqual({ ok: false, error: 'too-large' });
  });
});

describe('a fill-in or edit that meets a 401', () => {
  let open: WebTestApp;
  let guarded: WebTestApp;
  let noSignIn: WebTestApp;
  const writes = { forms: 'none', documents: 'writes' } as const;

  beforeAll(async () => {
    open = await buildWebTestApp();
    // The same database behind an API that wants a token for every write: an anonymous save gets a 401,
    // as a person's does when their session ended and could not be refreshed.
    guarded = await buildWebTestApp({ protect: writes, signIn: true, database: open.database });
    noSignIn = await buildWebTestApp({ protect: writes, database: open.database });
  });
  afterAll(async () => {
    await guarded?.close();
    await noSignIn?.close();
    await open?.close();
  });

  const cookieOf = (res: Response): string | undefined => res.headers.getSetCookie().find((c) => c.startsWith(`${DRAFT_COOKIE}=`));

  it('keeps the values in a sealed cookie, sends the person to sign in, and shows the values once after', async () => {
    const before = await guarded.request('/forms/notes/new');
    expect(before.status).toBe(200);
    expect(mainOf(await before.text())).toContain('You need to sign in to send this form.');

    const res = await guarded.submit('/forms/notes/new', [['title', 'My "note" & <b>'], ['body', 'kept across sign-in']]);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/auth/sign-in?return_to=%2Fforms%2Fnotes%2Fnew');
    const cookie = cookieOf(res) ?? '';
    expect(cookie).toMatch(/; Max-Age=900(;|$)/);
    expect(cookie).toMatch(/; Path=\/forms\/(;|$)/);
    expect(cookie).toMatch(/; HttpOnly(;|$)/);
    expect(cookie).toMatch(/; SameSite=Lax(;|$)/);
    const value = cookie.slice(DRAFT_COOKIE.length + 1, cookie.indexOf(';'));
    expect(value.length).toBeLessThanOrEqual(DRAFT_MAX_SEALED_CHARS);
    expect(cookie).not.toContain('kept');
    expect((await apiJson(open, 'GET', '/api/v1/forms/notes/documents')).body?.items).toEqual([]);

    const back = await guarded.request('/forms/notes/new', { headers: { cookie: `${DRAFT_COOKIE}=${value}` } });
    expect(back.status).toBe(200);
    const html = await back.text();
    expect(mainOf(html)).toContain('what you typed before is filled in below');
    expect(byId(html, 'field-title').attributes.value).toBe('My "note" & <b>');
    expect(innerOf(html, 'field-body')).toBe('kept across sign-in');
    // Taken once: the cookie is cleared.
    expect(cookieOf(back)).toMatch(/^formgate_draft=;.*Max-Age=0/);

    // Another page does not take it.
    const other = await guarded.request('/forms/every-field/new', { headers: { cookie: `${DRAFT_COOKIE}=${value}` } });
    expect(mainOf(await other.text())).not.toContain('what you typed before');
    expect(cookieOf(other)).toBeUndefined();
  });

  it('keeps an edit with the version it was based on', async () => {
    const created = await apiJson(open, 'POST', '/api/v1/forms/notes/documents', { title: 'before' });
    const id = String(created.body?.id);
    const page = `/forms/notes/documents/${id}/edit`;
    const res = await guarded.submit(page, [['_version', '1'], ['title', 'after'], ['body', '']]);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/auth/sign-in?return_to=${encodeURIComponent(page)}`);
    const cookie = cookieOf(res) ?? '';
    const value = cookie.slice(DRAFT_COOKIE.length + 1, cookie.indexOf(';'));
    expect((await apiJson(open, 'PATCH', `/api/v1/forms/notes/documents/${id}`, { title: 'meanwhile' })).status).toBe(200);
    const back = await guarded.request(page, { headers: { cookie: `${DRAFT_COOKIE}=${value}` } });
    const html = await back.text();
    expect(byId(html, 'field-title').attributes.value).toBe('after');
    // The version they had read, so their save still meets the change made meanwhile (a 412 page).
    expect(html).toContain('<input type="hidden" name="_version" value="1"/>');
  });

  it('beyond the bound shows the values again and says what to do, before sending them anywhere', async () => {
    const long = 'a long text & <more> '.repeat(400);
    const res = await guarded.submit('/forms/notes/new', [['title', 'Long one'], ['body', long]]);
    expect(res.status).toBe(401);
    expect(cookieOf(res)).toBeUndefined();
    const html = await res.text();
    expect(mainOf(html)).toContain('too long to keep while you sign in again');
    expect(mainOf(html)).toContain('sign in in another tab');
    expect(byId(html, 'field-title').attributes.value).toBe('Long one');
    expect(innerOf(html, 'field-body')).toBe(long.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;'));
  });

  it('without sign-in is a page that says sign-in is not set up, and keeps nothing', async () => {
    const res = await noSignIn.submit('/forms/notes/new', [['title', 'x']]);
    expect(res.status).toBe(401);
    expect(cookieOf(res)).toBeUndefined();
    expect(mainOf(await res.text())).toContain('Sign-in needed');
    // And a visitor who may not create is told so before typing anything.
    const form = await noSignIn.request('/forms/notes/new');
    expect(form.status).toBe(403);
  });
});
