import { describe, expect, it } from 'vitest';
import type { Field } from '../../../src/web/fields/api-schemas.ts';
import { browserPattern } from '../../../src/web/fields/browser-pattern.ts';
import { placeErrors } from '../../../src/web/fields/field-errors.ts';
import { documentFromValues, valuesFromDocument } from '../../../src/web/fields/form-values.ts';

/** What a browser does with a `pattern` attribute (HTML: the whole value, the `v` flag). */
const browserMatches = (attribute: string, value: string) => new RegExp(`^(?:${attribute})$`, 'v').test(value);

describe('the pattern attribute', () => {
  it('matches in a browser what the server matches, unanchored patterns and alternations included', () => {
    const cases: [string, string[]][] = [
      ['^[A-Z]{2}\\d{5}$', ['AB12345', 'AB1234', 'xAB12345', '']],
      ['abc', ['abc', 'xxabcxx', 'ab', '']],
      ['^a|b$', ['a', 'ax', 'xb', 'xa', 'b']],
      ['\\p{Lu}+', ['ÄB', 'ab', 'aBc']],
    ];
    for (const [source, values] of cases) {
      const attribute = browserPattern(source);
      expect(attribute, source).toBeDefined();
      const server = new RegExp(source, 'u');
      for (const value of values) expect(browserMatches(attribute ?? '', value), `${source} on ${value}`).toBe(server.test(value));
    }
  });

  it('is left out where the browser’s v flag reads the pattern differently or not at all', () => {
    // Valid with u, a syntax error with v: unescaped ( and - inside a class.
    for (const source of ['[a-z(]', '[(]x', '[a-]']) {
      expect(() => new RegExp(source, 'u')).not.toThrow();
      expect(browserPattern(source), source).toBeUndefined();
    }
  });
});

describe('form values and document JSON', () => {
  const fields: Record<string, Field> = {
    n: { type: 'integer' },
    x: { type: 'number' },
    t: { type: 'datetime' },
    b: { type: 'boolean' },
    m: { type: 'multiselect', options: ['a', 'b'] },
    s: { type: 'text' },
  };

  it('types what parses and sends what does not as typed', () => {
    expect(documentFromValues(fields, { n: '+5', x: '1e3', t: '2025-01-02T03:04:05', b: 'true', m: ['b'], s: 'hi' }, 'absent')).toEqual({ n: 5, x: 1000, t: '2025-01-02T03:04:05Z', b: true, m: ['b'], s: 'hi' });
    expect(documentFromValues(fields, { n: '1.5', x: '1,5', t: 'tomorrow', s: '' }, 'absent')).toEqual({ n: '1.5', x: '1,5', t: 'tomorrow', b: false, m: [] });
    // An edit clears an emptied field with null (PATCH).
    expect(documentFromValues(fields, { s: '' }, 'null')).toMatchObject({ n: null, x: null, t: null, s: null, b: false, m: [] });
  });

  it('shows a stored instant in UTC, as the widget works', () => {
    expect(valuesFromDocument(fields, { t: '2025-09-12T08:00:00+02:00', n: 3, b: false })).toEqual({ t: '2025-09-12T06:00', n: '3', b: '', m: [] });
    expect(valuesFromDocument(fields, { t: '2025-09-12T08:00:30Z' }).t).toBe('2025-09-12T08:00:30');
  });

  it('places each error by its field, in form order, and keeps those no field owns', () => {
    const placed = placeErrors({ a: { type: 'text', label: 'A' }, m: { type: 'multiselect', label: 'M', options: ['x'] } }, [
      { path: '/m/1', message: 'must be one of: x' },
      { path: '/a', message: 'is required' },
      { path: '', message: 'must be an object' },
      { path: '/zzz', message: 'unknown field' },
    ]);
    expect(placed.byField.get('a')).toEqual(['A is required']);
    expect(placed.byField.get('m')).toEqual(['M (choice 2) must be one of: x']);
    expect(placed.summary).toEqual([
      { text: 'A is required', href: '#field-a' },
      { text: 'M (choice 2) must be one of: x', href: '#field-m' },
      { text: 'must be an object' },
      { text: 'zzz unknown field' },
    ]);
  });
});
