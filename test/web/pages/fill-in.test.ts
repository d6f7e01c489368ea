import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byId, hasId, innerOf, mainOf, tags, title, withAttribute } from './html.ts';
import { apiJson, buildWebTestApp, type WebTestApp } from './support.ts';

let app: WebTestApp;
beforeAll(async () => {
  app = await buildWebTestApp();
});
afterAll(() => app?.close());

const page = async (path: string) => {
  const res = await app.request(path);
  return { res, html: await res.text() };
};

describe('the fill-in page', () => {
  it('has one widget per field type, with its label, hint, required marker, default and constraints', async () => {
    const { res, html } = await page('/forms/every-field/new');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const expected: Record<string, [string, Record<string, string>]> = {
      'field-shortText': ['input', { type: 'text', name: 'shortText', required: '', minlength: '2', maxlength: '20', 'aria-describedby': 'field-shortText-hint' }],
      'field-mail': ['input', { type: 'email', maxlength: '254', autocomplete: 'email' }],
      'field-link': ['input', { type: 'url' }],
      'field-count': ['input', { type: 'number', step: '1', min: '0', max: '4', value: '1' }],
      'field-amount': ['input', { type: 'number', step: 'any', min: '0.5', max: '100', value: '' }],
      'field-day': ['input', { type: 'date', min: '2020-01-01', max: '2030-12-31' }],
      // The server's bounds carry an offset; the widget works in UTC and says so.
      'field-moment': ['input', { type: 'datetime-local', min: '2025-09-12T06:00', max: '2025-09-14T18:00', 'aria-describedby': 'field-moment-hint' }],
      'field-agree': ['input', { type: 'checkbox', value: 'true' }],
      'field-colour': ['select', { required: '' }],
      'field-longText': ['textarea', { maxlength: '500' }],
    };
    for (const [id, [tag, attributes]] of Object.entries(expected)) {
      const element = byId(html, id);
      expect(element.name, id).toBe(tag);
      expect(element.attributes, id).toMatchObject(attributes);
      // Every widget is labelled: a label for it, or a legend for a group.
      expect(withAttribute(html, 'for', id), id).toHaveLength(1);
    }
    expect(byId(html, 'field-agree').attributes).not.toHaveProperty('required');
    expect(byId(html, 'field-mail').attributes).not.toHaveProperty('required');
    expect(innerOf(html, 'field-shortText-hint')).toContain('Hint &lt;script&gt;');
    expect(innerOf(html, 'field-longText')).toBe('line one &amp; &lt;two&gt;');
    expect(mainOf(html)).toMatch(/<label for="field-shortText">Short &quot;text&quot; &amp; &lt;i&gt;label&lt;\/i&gt;<span class="required"> \(required\)<\/span><\/label>/);
    expect(mainOf(html)).toMatch(/<label for="field-colour">Colour<span class="required"> \(required\)<\/span>/);
    expect(mainOf(html)).toMatch(/<label for="field-mail">Email<\/label>/);
    // The multiselect: a fieldset with a legend and one checkbox per option, its default ticked.
    expect(mainOf(html)).toMatch(/<fieldset class="checkbox-group" aria-describedby="field-extras-hint"><legend>Extras<\/legend>/);
    const boxes = withAttribute(html, 'name', 'extras');
    expect(boxes.map((b) => [b.attributes.type, b.attributes.value, 'checked' in b.attributes])).toEqual([
      ['checkbox', 'one', true],
      ['checkbox', 'two', false],
      ['checkbox', 'three & <four>', false],
    ]);
    expect(innerOf(html, 'field-extras-hint')).toBe('Choose at least 1. Choose at most 2.');
    const options = tags(innerOf(html, 'field-colour')).map((t) => t.attributes.value);
    expect(options).toEqual(['', 'red', 'green', '<blue> & "x"']);
    // Every POST form carries the CSRF field.
    expect(withAttribute(html, 'name', '_csrf')).toHaveLength(1);
  });

  it('gives a text field the server pattern in a form the browser matches the same way', async () => {
    const { html } = await page('/forms/every-field/new');
    const pattern = byId(html, 'field-shortText').attributes.pattern ?? '';
    // What a browser does with the attribute: the whole value, the v flag.
    const browser = new RegExp(`^(?:${pattern})$`, 'v');
    const server = /^[A-Z]{2}\d{3}$/u;
    for (const value of ['AB123', 'ab123', 'AB1234', 'XAB123', '']) expect(browser.test(value), value).toBe(server.test(value));
  });

  it('escapes the form title and description', async () => {
    const { html } = await page('/forms/every-field/new');
    expect(title(html)).toBe('Every <b>field</b> & "type" – Formgate');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>field');
    expect(mainOf(html)).toContain('A form with &lt;script&gt;alert(&quot;description&quot;)&lt;/script&gt; &amp; more.');
  });

  it('stores every field type as the API types it, and shows the new document with a confirmation', async () => {
    const res = await app.submit(
      '/forms/every-field/new',
      [
        ['shortText', 'AB123'],
        ['longText', 'a <b> & "c"'],
        ['mail', 'ada@example.org'],
        ['link', 'https://example.org/x?y=1&z=2'],
        ['count', '3'],
        ['amount', '12.75'],
        ['day', '2024-02-29'],
        ['moment', '2025-09-13T10:30'],
        ['agree', 'true'],
        ['colour', '<blue> & "x"'],
        ['extras', 'two'],
        ['extras', 'three & <four>'],
      ],
    );
    expect(res.status).toBe(303);
    const location = res.headers.get('location') ?? '';
    const match = /^\/forms\/every-field\/documents\/([0-9a-f-]{36})\?created=1$/.exec(location);
    expect(match, location).not.toBeNull();
    const id = match?.[1] ?? '';
    const stored = await apiJson(app, 'GET', `/api/v1/forms/every-field/documents/${id}`);
    expect(stored.body?.data).toEqual({
      shortText: 'AB123',
      longText: 'a <b> & "c"',
      mail: 'ada@example.org',
      link: 'https://example.org/x?y=1&z=2',
      count: 3,
      amount: 12.75,
      day: '2024-02-29',
      moment: '2025-09-13T10:30:00Z',
      agree: true,
      colour: '<blue> & "x"',
      extras: ['two', 'three & <four>'],
    });
    const shown = await page(location);
    expect(shown.res.status).toBe(200);
    expect(mainOf(shown.html)).toContain('Your document was sent.');
    expect(mainOf(shown.html)).toContain('<dd>a &lt;b&gt; &amp; &quot;c&quot;</dd>');
    expect(mainOf(shown.html)).toContain('<dd>two, three &amp; &lt;four&gt;</dd>');
  });

  it('leaves empty optional fields out, so defaults apply, and sends an unticked box as false', async () => {
    const res = await app.submit('/forms/every-field/new', [['shortText', 'ZZ999'], ['longText', ''], ['mail', ''], ['count', ''], ['colour', 'red'], ['extras', 'one']]);
    expect(res.status).toBe(303);
    const id = /documents\/([0-9a-f-]{36})/.exec(res.headers.get('location') ?? '')?.[1];
    const stored = await apiJson(app, 'GET', `/api/v1/forms/every-field/documents/${id}`);
    expect(stored.body?.data).toEqual({ shortText: 'ZZ999', longText: 'line one & <two>', count: 1, colour: 'red', extras: ['one'], agree: false });
  });

  it('comes back on a 422 with every value kept and each message next to its field and in the summary', async () => {
    const res = await app.submit(
      '/forms/every-field/new',
      [
        ['shortText', 'x"><script>'],
        ['mail', 'not an email'],
        ['count', 'seven'],
        ['colour', 'red'],
        ['agree', 'true'],
      ],
    );
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(title(html)).toBe('Error: Every <b>field</b> & "type" – Formgate');
    // The values as typed, escaped.
    expect(byId(html, 'field-shortText').attributes.value).toBe('x"><script>');
    expect(byId(html, 'field-mail').attributes.value).toBe('not an email');
    expect(byId(html, 'field-count').attributes.value).toBe('seven');
    expect('checked' in byId(html, 'field-agree').attributes).toBe(true);
    expect(html).not.toContain('<script>');
    for (const name of ['shortText', 'mail', 'count', 'extras']) {
      const id = `field-${name}`;
      expect(hasId(html, `${id}-error`), name).toBe(true);
      expect(withAttribute(html, 'href', `#${id}`), name).toHaveLength(1);
    }
    for (const name of ['shortText', 'mail', 'count']) {
      const widget = byId(html, `field-${name}`).attributes;
      expect(widget['aria-invalid']).toBe('true');
      expect(widget['aria-describedby']?.split(' ')).toContain(`field-${name}-error`);
    }
    // The group's message is described on its fieldset.
    expect(mainOf(html)).toMatch(/<fieldset class="checkbox-group" aria-describedby="field-extras-hint field-extras-error">/);
    expect(innerOf(html, 'field-mail-error')).toContain('Email must be a valid email address');
    expect(innerOf(html, 'field-count-error')).toContain('Count must be a whole number');
    expect(hasId(html, 'field-amount-error')).toBe(false);
    const summary = mainOf(html).slice(0, mainOf(html).indexOf('</div>'));
    expect(summary).toMatch(/^<main id="main"><div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1"><h2 id="error-summary-title">There is a problem<\/h2>/);
    expect(summary).toContain('<a href="#field-count">Count must be a whole number</a>');
  });

  it('says not found for a form that does not exist, as a page', async () => {
    const { res, html } = await page('/forms/no-such-form/new');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(mainOf(html)).toContain('Page not found');
  });

  it('comes back with the values and a summary when the API finds the body too large', async () => {
    const small = await buildWebTestApp({ maxBodyBytes: 2048, database: app.database });
    try {
      const long = 'x & y '.repeat(1000);
      const res = await small.submit('/forms/notes/new', [['title', 'Big'], ['body', long]]);
      expect(res.status).toBe(413);
      const html = await res.text();
      expect(title(html)).toMatch(/^Error: Notes/);
      expect(mainOf(html)).toMatch(/<div class="error-summary" role="alert"/);
      expect(byId(html, 'field-title').attributes.value).toBe('Big');
      expect(innerOf(html, 'field-body')).toBe(long.replaceAll('&', '&amp;'));
    } finally {
      await small.close();
    }
  });
});
