import { describe, expect, it } from 'vitest';
import { compileForm, jsonPointer, type FieldDefinition, type FormDefinition } from '../../src/forms/index.ts';

function formWith(fields: Record<string, FieldDefinition>, extra: Partial<FormDefinition> = {}) {
  return compileForm({ name: 'f', title: 'F', fields, ...extra });
}

/** The errors validate() reports for `{ [name]: value }`, as [path, message] pairs. */
function errorsFor(field: FieldDefinition, value: unknown): [string, string][] {
  const result = formWith({ v: field }).validate(value === undefined ? {} : { v: value });
  return result.ok ? [] : result.error.map((e) => [e.path, e.message]);
}

const accepts = (field: FieldDefinition, value: unknown) => expect(errorsFor(field, value)).toEqual([]);
const rejects = (field: FieldDefinition, value: unknown, message: string, path = '/v') =>
  expect(errorsFor(field, value)).toEqual([[path, message]]);

describe('field types', () => {
  it('text and textarea take strings', () => {
    for (const type of ['text', 'textarea'] as const) {
      accepts({ type }, 'hello');
      accepts({ type }, '');
      rejects({ type }, 42, 'must be text');
      rejects({ type }, ['a'], 'must be text');
    }
  });

  it('a required text field must not be empty', () => {
    rejects({ type: 'text', required: true }, '', 'is required');
    rejects({ type: 'textarea', required: true, minLength: 5 }, '', 'is required');
  });

  it('text minLength, maxLength and pattern', () => {
    const field: FieldDefinition = { type: 'text', minLength: 2, maxLength: 4, pattern: '^[a-z]+$' };
    accepts(field, 'abcd');
    rejects(field, 'a', 'must be at least 2 characters long');
    rejects(field, 'abcde', 'must be at most 4 characters long');
    rejects(field, 'AB', 'must match the pattern ^[a-z]+$');
    rejects({ type: 'text', maxLength: 1 }, 'ab', 'must be at most 1 character long');
  });

  it('patterns are unanchored, like JSON Schema, and use unicode mode', () => {
    accepts({ type: 'text', pattern: '\\d' }, 'room 12');
    accepts({ type: 'text', pattern: '^\\p{Lu}' }, 'Élodie');
    rejects({ type: 'text', pattern: '^\\p{Lu}' }, 'élodie', 'must match the pattern ^\\p{Lu}');
  });

  it('email', () => {
    accepts({ type: 'email' }, 'ann@example.org');
    for (const bad of ['ann', 'ann@', '@example.org', 'ann@example', 'a b@example.org']) {
      rejects({ type: 'email' }, bad, 'must be a valid email address');
    }
    rejects({ type: 'email' }, 7, 'must be a valid email address');
    rejects({ type: 'email', maxLength: 10 }, 'ann@example.org', 'must be at most 10 characters long');
    rejects({ type: 'email', minLength: 20 }, 'ann@example.org', 'must be at least 20 characters long');
  });

  it('url takes http and https only', () => {
    for (const good of ['https://example.org/a?b=c#d', 'http://localhost:8080/', 'HTTPS://EXAMPLE.ORG']) {
      accepts({ type: 'url' }, good);
    }
    for (const bad of ['ftp://example.org', 'javascript:alert(1)', 'example.org', 'mailto:a@b.co', '']) {
      rejects({ type: 'url' }, bad, 'must be a valid http or https URL');
    }
    rejects({ type: 'url', maxLength: 15 }, 'https://example.org', 'must be at most 15 characters long');
  });

  it('integer', () => {
    accepts({ type: 'integer' }, -3);
    rejects({ type: 'integer' }, 1.5, 'must be a whole number');
    rejects({ type: 'integer' }, '3', 'must be a whole number');
    const field: FieldDefinition = { type: 'integer', min: 0, max: 120 };
    accepts(field, 0);
    accepts(field, 120);
    rejects(field, -1, 'must be at least 0');
    rejects(field, 121, 'must be at most 120');
  });

  it('number', () => {
    accepts({ type: 'number' }, 2.5);
    rejects({ type: 'number' }, '2.5', 'must be a number');
    rejects({ type: 'number' }, true, 'must be a number');
    const field: FieldDefinition = { type: 'number', min: 0.5, max: 1.5 };
    accepts(field, 1.5);
    rejects(field, 0.25, 'must be at least 0.5');
    rejects(field, 1.75, 'must be at most 1.5');
  });

  it('date is YYYY-MM-DD and a real day', () => {
    accepts({ type: 'date' }, '2024-02-29');
    for (const bad of ['2023-02-29', '2024-1-1', '2024-13-01', '2024-01-01T00:00:00Z', 20240101]) {
      rejects({ type: 'date' }, bad, 'must be a date (YYYY-MM-DD)');
    }
  });

  it('date min and max', () => {
    const field: FieldDefinition = { type: 'date', min: '2024-01-01', max: '2024-12-31' };
    accepts(field, '2024-01-01');
    accepts(field, '2024-12-31');
    rejects(field, '2023-12-31', 'must be 2024-01-01 or later');
    rejects(field, '2025-01-01', 'must be 2024-12-31 or earlier');
    // A malformed value gets one message, not a bound complaint on top.
    rejects(field, 'soon', 'must be a date (YYYY-MM-DD)');
  });

  it('datetime needs an offset', () => {
    const message = errorsFor({ type: 'datetime' }, 'x')[0]?.[1];
    expect(message).toMatch(/^must be a date and time with a time zone offset/);
    for (const good of ['2024-05-01T09:30:00Z', '2024-05-01T09:30:00+02:00', '2024-05-01T09:30:00.123-05:30']) {
      accepts({ type: 'datetime' }, good);
    }
    for (const bad of ['2024-05-01T09:30:00', '2024-05-01', '2024-05-01 09:30:00Z', '2024-05-01T25:00:00Z']) {
      rejects({ type: 'datetime' }, bad, message!);
    }
  });

  it('datetime bounds compare instants, not strings', () => {
    const field: FieldDefinition = { type: 'datetime', min: '2025-01-01T08:00:00+02:00', max: '2025-01-01T12:00:00+02:00' };
    accepts(field, '2025-01-01T06:00:00Z');
    accepts(field, '2025-01-01T11:00:00+01:00');
    rejects(field, '2025-01-01T05:59:59Z', 'must be 2025-01-01T08:00:00+02:00 or later');
    rejects(field, '2025-01-01T10:00:01Z', 'must be 2025-01-01T12:00:00+02:00 or earlier');
  });

  it('boolean', () => {
    accepts({ type: 'boolean' }, true);
    accepts({ type: 'boolean' }, false);
    rejects({ type: 'boolean' }, 'true', 'must be true or false');
    rejects({ type: 'boolean' }, 0, 'must be true or false');
  });

  it('select', () => {
    const field: FieldDefinition = { type: 'select', options: ['sales', 'support'] };
    accepts(field, 'sales');
    rejects(field, 'Sales', 'must be one of: sales, support');
    rejects(field, ['sales'], 'must be one of: sales, support');
  });

  it('multiselect', () => {
    const field: FieldDefinition = { type: 'multiselect', options: ['a', 'b', 'c'] };
    accepts(field, []);
    accepts(field, ['c', 'a']);
    rejects(field, 'a', 'must be a list of choices from: a, b, c');
    rejects(field, ['a', 'x'], 'must be one of: a, b, c', '/v/1');
    rejects(field, ['a', 'b', 'a'], 'is chosen more than once', '/v/2');
  });

  it('multiselect min and max count choices', () => {
    const field: FieldDefinition = { type: 'multiselect', options: ['a', 'b', 'c'], min: 1, max: 2 };
    accepts(field, ['a']);
    rejects(field, [], 'must have at least 1 choice');
    rejects(field, ['a', 'b', 'c'], 'must have at most 2 choices');
  });
});

describe('presence, defaults and unknown fields', () => {
  const form = formWith({
    name: { type: 'text', required: true },
    age: { type: 'integer' },
    topic: { type: 'select', options: ['sales', 'support'], default: 'support' },
    tags: { type: 'multiselect', options: ['x', 'y'], default: ['x'] },
    subscribe: { type: 'boolean', default: false },
  });

  it('applies defaults and leaves absent optional fields out', () => {
    const result = form.validate({ name: 'Ann' });
    expect(result).toEqual({ ok: true, value: { name: 'Ann', topic: 'support', tags: ['x'], subscribe: false } });
    expect(result.ok && Object.hasOwn(result.value, 'age')).toBe(false);
  });

  it('keeps given values over defaults', () => {
    expect(form.validate({ name: 'Ann', topic: 'sales', tags: [], subscribe: true })).toEqual({
      ok: true,
      value: { name: 'Ann', topic: 'sales', tags: [], subscribe: true },
    });
  });

  it('hands out a fresh copy of an array default each time', () => {
    const first = form.validate({ name: 'Ann' });
    if (!first.ok) throw new Error('expected ok');
    (first.value.tags as string[]).push('y');
    expect(form.validate({ name: 'Bob' })).toMatchObject({ ok: true, value: { tags: ['x'] } });
  });

  it('reports a missing required field', () => {
    expect(form.validate({})).toEqual({ ok: false, error: [{ path: '/name', message: 'is required' }] });
  });

  it('does not take null, even for optional fields', () => {
    expect(form.validate({ name: 'Ann', age: null })).toEqual({
      ok: false,
      error: [{ path: '/age', message: 'must be a whole number' }],
    });
    expect(form.validate({ name: null })).toMatchObject({ ok: false, error: [{ path: '/name' }] });
  });

  it('rejects each unknown field by name', () => {
    expect(form.validate({ name: 'Ann', nickname: 'A', 'a/b': 1 })).toEqual({
      ok: false,
      error: [
        { path: '/nickname', message: 'unknown field' },
        { path: '/a~1b', message: 'unknown field' },
      ],
    });
  });

  it('reports every problem at once', () => {
    const result = form.validate({ age: 'old', topic: 'other', extra: 1 });
    expect(result.ok ? [] : result.error.map((e) => e.path)).toEqual(['/name', '/age', '/topic', '/extra']);
  });

  it('wants a JSON object as the body', () => {
    for (const body of [null, [], 'text', 5, true, undefined]) {
      expect(form.validate(body)).toEqual({ ok: false, error: [{ path: '', message: 'must be a JSON object' }] });
    }
  });

  it('is not fooled by fields named like Object.prototype members', () => {
    const text: FieldDefinition = { type: 'text' };
    const integer: FieldDefinition = { type: 'integer', required: true };
    const tricky = formWith({ constructor: text, toString: integer });
    expect(tricky.validate({ toString: 1 })).toEqual({ ok: true, value: { toString: 1 } });
    expect(tricky.validate({})).toEqual({ ok: false, error: [{ path: '/toString', message: 'is required' }] });
  });
});

describe('JSON Schema', () => {
  const form = formWith(
    {
      email: { type: 'email', label: 'Your email', required: true, maxLength: 254 },
      topic: { type: 'select', options: ['sales', 'support'], default: 'support' },
      age: { type: 'integer', min: 0, max: 120, description: 'In years' },
      born: { type: 'date', min: '1900-01-01' },
      seen: { type: 'datetime' },
      site: { type: 'url' },
      code: { type: 'text', required: true, pattern: '^[A-Z]{3}$' },
      tags: { type: 'multiselect', options: ['a', 'b'], min: 1, max: 2 },
      ok: { type: 'boolean' },
    },
    { title: 'Contact request', description: 'Say hello' },
  );
  const schema = form.jsonSchema as Record<string, any>;

  it('describes the form as a closed object', () => {
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      title: 'Contact request',
      description: 'Say hello',
      type: 'object',
      additionalProperties: false,
    });
    expect(schema.required).toEqual(['email', 'code']);
    expect(Object.keys(schema.properties)).toEqual(['email', 'topic', 'age', 'born', 'seen', 'site', 'code', 'tags', 'ok']);
  });

  it('carries labels, formats, enums, defaults and bounds', () => {
    const p = schema.properties;
    expect(p.email).toMatchObject({ type: 'string', format: 'email', maxLength: 254, title: 'Your email' });
    expect(p.topic).toEqual({ type: 'string', enum: ['sales', 'support'], default: 'support' });
    expect(p.age).toEqual({ type: 'integer', minimum: 0, maximum: 120, description: 'In years' });
    expect(p.born).toMatchObject({ type: 'string', format: 'date', formatMinimum: '1900-01-01' });
    expect(p.seen).toMatchObject({ type: 'string', format: 'date-time' });
    expect(p.site).toMatchObject({ type: 'string', format: 'uri' });
    expect(p.code).toMatchObject({ type: 'string', minLength: 1, pattern: '^[A-Z]{3}$' });
    expect(p.tags).toEqual({
      type: 'array',
      items: { type: 'string', enum: ['a', 'b'] },
      minItems: 1,
      maxItems: 2,
      uniqueItems: true,
    });
    expect(p.ok).toEqual({ type: 'boolean' });
  });

  it('leaves out a description the form does not have, and is frozen', () => {
    const bare = formWith({ a: { type: 'text' } });
    expect(bare.jsonSchema).not.toHaveProperty('description');
    expect(bare.jsonSchema).not.toHaveProperty('required');
    expect(Object.isFrozen(bare.jsonSchema)).toBe(true);
    expect(Object.isFrozen(bare.jsonSchema.properties)).toBe(true);
  });
});

describe('jsonPointer', () => {
  it('escapes ~ and / per RFC 6901', () => {
    expect(jsonPointer([])).toBe('');
    expect(jsonPointer(['tags', 1])).toBe('/tags/1');
    expect(jsonPointer(['a/b', 'c~d'])).toBe('/a~1b/c~0d');
  });
});
