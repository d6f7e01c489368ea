import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byId, decode, innerOf, mainOf, title, withAttribute } from './html.ts';
import { apiJson, buildWebTestApp, type WebTestApp } from './support.ts';

let app: WebTestApp;
beforeAll(async () => {
  app = await buildWebTestApp();
});
afterAll(() => app?.close());

const NASTY = '<script>alert("x")</script> & \'q\'';

async function createDocument(data: Record<string, unknown>): Promise<string> {
  const created = await apiJson(app, 'POST', '/api/v1/forms/every-field/documents', data);
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
  return String(created.body?.id);
}

/** What a browser sends back for the edit form as it was rendered: every widget's value. */
function submittedFrom(html: string): [string, string][] {
  const out: [string, string][] = [];
  const inputs = [...mainOf(html).matchAll(/<input [^>]*>/g)].map((m) => m[0]);
  for (const input of inputs) {
    const name = /name="([^"]*)"/.exec(input)?.[1];
    const value = /value="([^"]*)"/.exec(input)?.[1] ?? '';
    const type = /type="([^"]*)"/.exec(input)?.[1];
    if (name === undefined) continue;
    if (type === 'checkbox' && !/ checked=""/.test(input)) continue;
    out.push([name, decode(value)]);
  }
  for (const m of mainOf(html).matchAll(/<textarea [^>]*name="([^"]*)"[^>]*>([^<]*)<\/textarea>/g)) out.push([m[1] ?? '', decode(m[2] ?? '')]);
  for (const m of mainOf(html).matchAll(/<select [^>]*name="([^"]*)"[^>]*>(.*?)<\/select>/g)) {
    const chosen = /<option value="([^"]*)" selected=""/.exec(m[2] ?? '')?.[1] ?? '';
    out.push([m[1] ?? '', decode(chosen)]);
  }
  return out;
}

describe('editing a document', () => {
  it('is prefilled, carries the version it read, and saves with If-Match', async () => {
    const id = await createDocument({ shortText: 'AB123', longText: NASTY, count: 2, moment: '2025-09-13T12:30:00+02:00', agree: true, colour: '<blue> & "x"', extras: ['two'] });
    const res = await app.request(`/forms/every-field/documents/${id}/edit`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(byId(html, 'field-shortText').attributes.value).toBe('AB123');
    expect(innerOf(html, 'field-longText')).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;');
    expect(byId(html, 'field-count').attributes.value).toBe('2');
    expect(byId(html, 'field-moment').attributes.value).toBe('2025-09-13T10:30');
    expect('checked' in byId(html, 'field-agree').attributes).toBe(true);
    expect(withAttribute(html, 'name', '_version')[0]?.attributes.value).toBe('1');
    expect(html).not.toContain('<script>');

    const fields = submittedFrom(html).map(([n, v]): [string, string] => (n === 'shortText' ? [n, 'CD456'] : [n, v]));
    const saved = await app.submit(`/forms/every-field/documents/${id}/edit`, fields.filter(([n]) => n !== '_csrf'));
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe(`/forms/every-field/documents/${id}?saved=1`);
    const stored = await apiJson(app, 'GET', `/api/v1/forms/every-field/documents/${id}`);
    // Only the one change: everything else came back as it was rendered.
    expect(stored.body?.version).toBe(2);
    expect(stored.body?.data).toEqual({ shortText: 'CD456', longText: NASTY, count: 2, moment: '2025-09-13T10:30:00Z', agree: true, colour: '<blue> & "x"', extras: ['two'] });
    const shown = await (await app.request(saved.headers.get('location') ?? '')).text();
    expect(mainOf(shown)).toContain('Your changes were saved.');
  });

  it('comes back on a 422 with the values and the version kept', async () => {
    const id = await createDocument({ shortText: 'AB123', colour: 'red', extras: ['one'] });
    const res = await app.submit(`/forms/every-field/documents/${id}/edit`, [['_version', '1'], ['shortText', 'lower'], ['colour', 'red'], ['extras', 'one'], ['count', '9']]);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(title(html)).toMatch(/^Error: Edit: /);
    expect(byId(html, 'field-shortText').attributes['aria-invalid']).toBe('true');
    expect(byId(html, 'field-count').attributes.value).toBe('9');
    expect(innerOf(html, 'field-count-error')).toContain('Count must be at most 4');
    expect(withAttribute(html, 'href', '#field-count')).toHaveLength(1);
    expect(withAttribute(html, 'name', '_version')[0]?.attributes.value).toBe('1');
  });

  it('on a 412 shows the saved values beside theirs, and applies their change again on the new version', async () => {
    const id = await createDocument({ shortText: 'AB123', longText: 'first', colour: 'red', extras: ['one'] });
    // Someone else saves after this person opened the page at version 1.
    expect((await apiJson(app, 'PATCH', `/api/v1/forms/every-field/documents/${id}`, { longText: NASTY }, { 'if-match': '"1"' })).status).toBe(200);
    const theirs: [string, string][] = [['_version', '1'], ['shortText', 'XY999'], ['longText', 'first'], ['count', '1'], ['colour', 'green'], ['extras', 'one']];
    const stale = await app.submit(`/forms/every-field/documents/${id}/edit`, theirs);
    expect(stale.status).toBe(412);
    const html = await stale.text();
    const main = mainOf(html);
    expect(main).toContain('Someone else saved this document after you opened it');
    expect(main).toContain('<td class="diff-old">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;</td><td class="diff-new">first</td>');
    expect(main).toContain('<td class="diff-old">AB123</td><td class="diff-new">XY999</td>');
    expect(main).toContain('<td class="diff-old">red</td><td class="diff-new">green</td>');
    expect(html).not.toContain('<script>');
    // The form holds their values and the version saved now.
    expect(byId(html, 'field-shortText').attributes.value).toBe('XY999');
    expect(withAttribute(html, 'name', '_version')[0]?.attributes.value).toBe('2');

    const again = await app.submit(`/forms/every-field/documents/${id}/edit`, submittedFrom(html).filter(([n]) => n !== '_csrf'));
    expect(again.status).toBe(303);
    const stored = await apiJson(app, 'GET', `/api/v1/forms/every-field/documents/${id}`);
    expect(stored.body?.version).toBe(3);
    expect(stored.body?.data).toMatchObject({ shortText: 'XY999', longText: 'first', colour: 'green' });
  });

  it('shows the history with each change, escaped, newest first', async () => {
    const id = await createDocument({ shortText: 'AB123', colour: 'red', extras: ['one'] });
    expect((await apiJson(app, 'PATCH', `/api/v1/forms/every-field/documents/${id}`, { longText: NASTY, colour: '<blue> & "x"' })).status).toBe(200);
    const res = await app.request(`/forms/every-field/documents/${id}/history`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const main = mainOf(html);
    expect(html).not.toContain('<script>');
    expect(main.indexOf('Version 2: Changed')).toBeGreaterThan(-1);
    expect(main.indexOf('Version 2: Changed')).toBeLessThan(main.indexOf('Version 1: Created'));
    expect(main).toContain('<th scope="row">Long text</th><td class="diff-old">line one &amp; &lt;two&gt;</td><td class="diff-new">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;</td>');
    expect(main).toContain('<th scope="row">Colour</th><td class="diff-old">red</td><td class="diff-new">&lt;blue&gt; &amp; &quot;x&quot;</td>');
    // Changes follow the form's field order.
    expect(main.indexOf('<th scope="row">Long text</th>')).toBeLessThan(main.indexOf('<th scope="row">Colour</th>'));
    const doc = await (await app.request(`/forms/every-field/documents/${id}`)).text();
    expect(withAttribute(doc, 'href', `/forms/every-field/documents/${id}/history`)).toHaveLength(1);
    expect(mainOf(doc)).toMatch(/Last changed<\/dt><dd>by an anonymous visitor on <time datetime="[^"]+">[^<]+<\/time> \(version 2\)/);
  });

  it('will not edit a deleted document, and sends a missing one to not found', async () => {
    const id = await createDocument({ shortText: 'AB123', colour: 'red', extras: ['one'] });
    expect((await apiJson(app, 'DELETE', `/api/v1/forms/every-field/documents/${id}`)).status).toBe(204);
    const deleted = await app.request(`/forms/every-field/documents/${id}/edit`);
    expect(deleted.status).toBe(409);
    expect(mainOf(await deleted.text())).toContain('restore it before changing it');
    const missing = await app.request('/forms/every-field/documents/01930000-0000-7000-8000-000000000000/edit');
    expect(missing.status).toBe(404);
  });
});
