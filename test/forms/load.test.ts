import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  FIELD_TYPES,
  formatFormsFileError,
  loadFormsFile,
  parseFormsFile,
  type FormRegistry,
} from '../../src/forms/index.ts';

const EXAMPLES = fileURLToPath(new URL('../../examples/forms.yaml', import.meta.url));

/** The formatted error lines for a file, or [] when it loads. */
function linesFor(yaml: string): string[] {
  const result = parseFormsFile(yaml, 'forms.yaml');
  return result.ok ? [] : result.error.map(formatFormsFileError);
}

function loaded(yaml: string): FormRegistry {
  const result = parseFormsFile(yaml, 'forms.yaml');
  if (!result.ok) throw new Error(result.error.map(formatFormsFileError).join('\n'));
  return result.value;
}

/** A one-form file whose fields block is `fields` (indented by the caller's template). */
const withFields = (fields: string) => `forms:
  contact:
    title: Contact
    fields:
${fields}`;

describe('examples/forms.yaml', () => {
  it('loads clean and uses every field type', async () => {
    const result = await loadFormsFile(EXAMPLES);
    if (!result.ok) throw new Error(result.error.map(formatFormsFileError).join('\n'));
    const forms = result.value.list();
    expect(forms.map((f) => f.definition.name)).toEqual(['contact', 'expense-report', 'event-registration']);
    const used = new Set(forms.flatMap((f) => Object.values(f.definition.fields).map((field) => field.type)));
    expect([...used].sort()).toEqual([...FIELD_TYPES].sort());
  });

  it('has forms that behave as the comments say', async () => {
    const result = await loadFormsFile(EXAMPLES);
    if (!result.ok) throw new Error('expected the examples to load');
    const contact = result.value.get('contact')!;
    expect(contact.definition.access).toEqual({ anonymous: ['create'], '*': ['create'], staff: ['read_all', 'update_all', 'delete_all'] });
    expect(contact.validate({ name: 'Ann', email: 'ann@example.org', message: 'Hello there, team' })).toEqual({
      ok: true,
      value: { name: 'Ann', email: 'ann@example.org', message: 'Hello there, team', topic: 'support', newsletter: false },
    });
    const expense = result.value.get('expense-report')!;
    expect(expense.validate({ employeeId: 'ab123', spentOn: '2024-03-01', amount: 12, category: 'meals' })).toEqual({
      ok: false,
      error: [{ path: '/employeeId', message: 'must match the pattern ^[A-Z]{2}\\d{5}$' }],
    });
    // Registrants' names and emails are for the staff who run the event, not for every caller.
    expect(result.value.get('event-registration')!.definition.access).toEqual({
      anonymous: ['create'],
      '*': ['create', 'read_own', 'update_own', 'delete_own'],
      staff: ['read_all', 'update_all', 'delete_all'],
    });
  });
});

describe('a valid file', () => {
  const registry = loaded(`
forms:
  zeta:
    title: Z
    description: last letter
    fields:
      b: { type: text }
      a: { type: integer }
      c: { type: boolean }
  alpha:
    title: A
    fields:
      x: { type: select, options: [one, two], default: two }
    access:
      '*': [create]
`);

  it('keeps file order for forms and fields', () => {
    expect(registry.list().map((f) => f.definition.name)).toEqual(['zeta', 'alpha']);
    expect(Object.keys(registry.get('zeta')!.definition.fields)).toEqual(['b', 'a', 'c']);
  });

  it('builds the definition the rest of the service reads', () => {
    expect(registry.get('zeta')!.definition).toEqual({
      name: 'zeta',
      title: 'Z',
      description: 'last letter',
      fields: { b: { type: 'text' }, a: { type: 'integer' }, c: { type: 'boolean' } },
    });
    expect(registry.get('alpha')!.definition).toEqual({
      name: 'alpha',
      title: 'A',
      fields: { x: { type: 'select', options: ['one', 'two'], default: 'two' } },
      access: { '*': ['create'] },
    });
    expect(Object.isFrozen(registry.get('alpha')!.definition.fields)).toBe(true);
  });

  it('answers unknown names, including Object.prototype ones, with undefined', () => {
    expect(registry.get('nope')).toBeUndefined();
    expect(registry.get('constructor')).toBeUndefined();
    expect(registry.get('__proto__')).toBeUndefined();
  });

  it('hands out a list the caller may not use to change the registry', () => {
    registry.list().pop();
    expect(registry.list()).toHaveLength(2);
  });
});

describe('loader errors', () => {
  it('gives the line and column of a YAML syntax error', () => {
    expect(linesFor('forms:\n  contact:\n    title: a: b\n    fields: {}\n')).toEqual([
      'forms.yaml:3:12 invalid YAML: Nested mappings are not allowed in compact mappings',
    ]);
    expect(linesFor('forms:\n  contact:\n    title: X\n   fields: {}\n')).toEqual([
      'forms.yaml:4:1 invalid YAML: All mapping items must start at the same column',
    ]);
  });

  it('refuses a key given twice', () => {
    const lines = linesFor(withFields('      a: { type: text }\n      a: { type: integer }\n'));
    expect(lines).toEqual([expect.stringMatching(/^forms\.yaml:6:7 invalid YAML: .*unique/)]);
  });

  it('points at a wrongly typed value', () => {
    expect(linesFor(withFields('      age: { type: integer, min: ten }\n'))).toEqual([
      'forms.yaml:5:34 forms.contact.fields.age.min: expected a number, got "ten"',
    ]);
    expect(linesFor(withFields('      age: { type: integer, max: 2.5 }\n'))).toEqual([
      'forms.yaml:5:34 forms.contact.fields.age.max: expected a whole number, got 2.5',
    ]);
    expect(linesFor(withFields('      ok: { type: boolean, required: "yes" }\n'))).toEqual([
      'forms.yaml:5:38 forms.contact.fields.ok.required: expected true or false, got "yes"',
    ]);
  });

  it('names unknown keys at every level', () => {
    const lines = linesFor(`forms:
  contact:
    title: Contact
    colour: blue
    fields:
      a: { type: text, lable: A }
version: 2
`);
    expect(lines).toEqual([
      'forms.yaml:4:5 forms.contact.colour: unknown key (allowed: title, description, fields, access)',
      'forms.yaml:6:24 forms.contact.fields.a.lable: unknown key (allowed for type text: type, label, description, required, minLength, maxLength, pattern, default)',
      'forms.yaml:7:1 version: unknown key (allowed: forms)',
    ]);
  });

  it('says which constraints a type does not take', () => {
    expect(
      linesFor(withFields('      age:\n        type: integer\n        pattern: "^[0-9]+$"\n        maxLength: 3\n')),
    ).toEqual([
      'forms.yaml:7:9 forms.contact.fields.age.pattern: not allowed for type integer',
      'forms.yaml:8:9 forms.contact.fields.age.maxLength: not allowed for type integer',
    ]);
    expect(linesFor(withFields('      ok: { type: boolean, options: [a] }\n'))).toEqual([
      'forms.yaml:5:28 forms.contact.fields.ok.options: not allowed for type boolean',
    ]);
  });

  it('rejects min greater than max for every kind of bound', () => {
    expect(
      linesFor(
        withFields(`      a: { type: integer, min: 5, max: 1 }
      b: { type: number, min: 1.5, max: 1.25 }
      c: { type: text, minLength: 10, maxLength: 2 }
      d: { type: date, min: '2024-02-01', max: '2024-01-01' }
      e: { type: datetime, min: '2024-01-01T10:00:00+02:00', max: '2024-01-01T07:00:00Z' }
      f: { type: multiselect, options: [x, y, z], min: 3, max: 2 }
      g: { type: email, minLength: 5, maxLength: 5 }
`),
      ),
    ).toEqual([
      'forms.yaml:5:32 forms.contact.fields.a.min: min (5) is greater than max (1)',
      'forms.yaml:6:31 forms.contact.fields.b.min: min (1.5) is greater than max (1.25)',
      'forms.yaml:7:35 forms.contact.fields.c.minLength: minLength (10) is greater than maxLength (2)',
      'forms.yaml:8:29 forms.contact.fields.d.min: min (2024-02-01) is greater than max (2024-01-01)',
      'forms.yaml:9:33 forms.contact.fields.e.min: min (2024-01-01T10:00:00+02:00) is greater than max (2024-01-01T07:00:00Z)',
      'forms.yaml:10:56 forms.contact.fields.f.min: min (3) is greater than max (2)',
    ]);
  });

  it('checks date and datetime bounds are dates', () => {
    expect(
      linesFor(withFields(`      d: { type: date, min: 2024-1-1 }\n      t: { type: datetime, max: '2024-01-01T10:00:00' }\n`)),
    ).toEqual([
      'forms.yaml:5:29 forms.contact.fields.d.min: expected a date (YYYY-MM-DD), got "2024-1-1"',
      'forms.yaml:6:33 forms.contact.fields.t.max: expected a date and time with an offset (e.g. 2024-05-01T09:30:00Z), got "2024-01-01T10:00:00"',
    ]);
  });

  it('checks each default against its own field', () => {
    expect(
      linesFor(
        withFields(`      a: { type: select, options: [sales, support], default: marketing }
      b: { type: integer, min: 1, max: 5, default: 9 }
      c: { type: multiselect, options: [x, y], default: [x, w] }
      d: { type: date, default: '2023-02-29' }
      e: { type: text, pattern: '^[a-z]+$', default: ABC }
      f: { type: boolean, default: 'no' }
      g: { type: email, default: somebody }
`),
      ),
    ).toEqual([
      'forms.yaml:5:62 forms.contact.fields.a.default: must be one of: sales, support',
      'forms.yaml:6:52 forms.contact.fields.b.default: must be at most 5',
      'forms.yaml:7:61 forms.contact.fields.c.default.1: must be one of: x, y',
      'forms.yaml:8:33 forms.contact.fields.d.default: must be a date (YYYY-MM-DD)',
      'forms.yaml:9:54 forms.contact.fields.e.default: must match the pattern ^[a-z]+$',
      'forms.yaml:10:36 forms.contact.fields.f.default: expected true or false, got "no"',
      'forms.yaml:11:34 forms.contact.fields.g.default: must be a valid email address',
    ]);
  });

  it('refuses a default on a required field', () => {
    expect(linesFor(withFields('      a: { type: boolean, required: true, default: false }\n'))).toEqual([
      'forms.yaml:5:52 forms.contact.fields.a.default: a required field cannot have a default; remove `required` or the default',
    ]);
  });

  it('refuses a pattern that does not compile', () => {
    const lines = linesFor(withFields(`      a: { type: text, pattern: '[a-' }\n      b: { type: textarea, pattern: '(x' }\n`));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^forms\.yaml:5:33 forms\.contact\.fields\.a\.pattern: is not a valid regular expression: \S/);
    expect(lines[1]).toMatch(/^forms\.yaml:6:37 forms\.contact\.fields\.b\.pattern: is not a valid regular expression: \S/);
  });

  it('refuses a pattern the linear-time matcher cannot run, saying why', () => {
    const fields = `      a: { type: text, pattern: '(\\w)\\1' }\n      b: { type: textarea, pattern: '^(?!admin)' }\n      c: { type: text, pattern: '^([a-z]+\\s?)+$' }\n`;
    expect(linesFor(withFields(fields))).toEqual([
      'forms.yaml:5:33 forms.contact.fields.a.pattern: is not supported: backreferences such as \\1 cannot be matched in linear time',
      'forms.yaml:6:37 forms.contact.fields.b.pattern: is not supported: lookahead, (?= and (?!, cannot be matched in linear time',
    ]);
  });

  it('refuses bad options', () => {
    expect(
      linesFor(
        withFields(`      a: { type: select, options: [sales, support, sales] }
      b: { type: select }
      c: { type: multiselect, options: [] }
      d: { type: select, options: [1, ''] }
      e: { type: multiselect, options: [x], min: 2 }
`),
      ),
    ).toEqual([
      'forms.yaml:5:52 forms.contact.fields.a.options.2: duplicate option "sales"',
      'forms.yaml:6:7 forms.contact.fields.b.options: is required',
      'forms.yaml:7:40 forms.contact.fields.c.options: must list at least one option',
      'forms.yaml:8:36 forms.contact.fields.d.options.0: expected a string, got 1',
      'forms.yaml:8:39 forms.contact.fields.d.options.1: must not be empty',
      'forms.yaml:9:50 forms.contact.fields.e.min: asks for at least 2 choices but there are only 1 options',
    ]);
  });

  it('names the allowed permissions', () => {
    expect(
      linesFor(`forms:
  contact:
    title: Contact
    fields: { a: { type: text } }
    access:
      staff: [read_all, admin]
      anonymous: [create, read_own]
      auditors: read_all
`),
    ).toEqual([
      'forms.yaml:6:25 forms.contact.access.staff.1: expected one of: create, read_own, read_all, update_own, update_all, delete_own, delete_all; got "admin"',
      'forms.yaml:7:27 forms.contact.access.anonymous.1: read_own has no effect for anonymous callers: they own no documents',
      'forms.yaml:8:17 forms.contact.access.auditors: expected a list, got "read_all"',
    ]);
  });

  it('checks types, titles, names and that there is something to serve', () => {
    expect(
      linesFor(`forms:
  Contact:
    title: X
    fields: { a: { type: text } }
  survey:
    title: '  '
    fields: {}
  poll:
    fields:
      2nd: { type: text }
      ok: { type: txt }
      nope: { label: No type }
`),
    ).toEqual([
      'forms.yaml:2:3 forms.Contact: form names start with a lowercase letter and hold only a-z, 0-9, _ and - (at most 63 characters)',
      'forms.yaml:6:12 forms.survey.title: must not be empty',
      'forms.yaml:7:13 forms.survey.fields: a form needs at least one field',
      'forms.yaml:8:3 forms.poll.title: is required',
      'forms.yaml:10:7 forms.poll.fields.2nd: field names start with a letter and hold only letters, digits and _ (at most 63 characters)',
      'forms.yaml:11:19 forms.poll.fields.ok.type: expected one of: text, textarea, email, url, integer, number, date, datetime, boolean, select, multiselect; got "txt"',
      'forms.yaml:12:7 forms.poll.fields.nope.type: is required',
    ]);
    expect(linesFor('forms: {}\n')).toEqual(['forms.yaml:1:8 forms: define at least one form']);
    expect(linesFor('forms:\n')).toEqual(['forms.yaml:1:1 forms: expected a map, got an empty value']);
    expect(linesFor('- a\n- b\n')).toEqual(['forms.yaml:1:1 expected a map, got a list']);
    expect(linesFor('')).toEqual(['forms.yaml the file is empty; it needs a "forms" map']);
  });

  it('reports every error in file order with its file, path and position', () => {
    const result = parseFormsFile(
      withFields(`      b: { type: integer, min: ten }
      a: { type: text, bogus: 1 }
`),
      'conf/forms.yaml',
    );
    expect(result).toEqual({
      ok: false,
      error: [
        { file: 'conf/forms.yaml', path: 'forms.contact.fields.b.min', line: 5, column: 32, message: 'expected a number, got "ten"' },
        {
          file: 'conf/forms.yaml',
          path: 'forms.contact.fields.a.bogus',
          line: 6,
          column: 24,
          message: expect.stringMatching(/^unknown key/),
        },
      ],
    });
  });

  it('reports a file it cannot read as an error value', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'formgate-forms-')), 'absent.yaml');
    const result = await loadFormsFile(missing);
    expect(result).toEqual({ ok: false, error: [{ file: missing, path: '', message: 'cannot read the file: no such file' }] });
    if (!result.ok) expect(formatFormsFileError(result.error[0]!)).toBe(`${missing} cannot read the file: no such file`);
  });

  it('survives alias bombs', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
      .concat(['b', 'c', 'd', 'e', 'f', 'g'].map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdef'[i]}`).join(', ')}]`))
      .join('\n');
    const result = parseFormsFile(bomb, 'bomb.yaml');
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.error.map((e) => e.message)).toEqual([expect.stringMatching(/^invalid YAML: /)]);
  });
});
