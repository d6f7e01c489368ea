import { describe, expect, it } from 'vitest';
import { documentRow, fieldCell, headerRow, quoted, text } from '../../src/documents/csv.ts';
import type { DocumentView } from '../../src/documents/service.ts';
import type { FormDefinition } from '../../src/forms/index.ts';
import { parseCsv } from '../support/csv.ts';

/** The CSV encoder alone; test/documents/export.test.ts has it over HTTP on both drivers. */

const form = {
  name: 'kinds',
  title: 'Kinds',
  fields: { note: { type: 'text' }, count: { type: 'integer' }, ok: { type: 'boolean' }, picks: { type: 'multiselect', options: ['a', 'b'] } },
} as unknown as FormDefinition;

const doc: DocumentView = {
  id: '0193a0b2-6c1e-7d2a-9f3b-2a1c5e4d3f21',
  form: 'kinds',
  version: 1,
  data: { note: 'hi, "you"', count: -3, ok: false, picks: ['a', 'b'] },
  createdAt: '2026-01-02T03:04:05.678Z',
  createdBy: 'alice',
  updatedAt: '2026-01-02T03:04:05.678Z',
  updatedBy: null,
  deletedAt: null,
  deletedBy: null,
};

describe('CSV encoding', () => {
  it('writes the header and a row with CRLF, in the form’s field order', () => {
    expect(headerRow(form, { deleted: false })).toBe('id,note,count,ok,picks,created_by,created_at,updated_by,updated_at\r\n');
    expect(headerRow(form, { deleted: true })).toBe('id,note,count,ok,picks,created_by,created_at,updated_by,updated_at,deleted_at\r\n');
    expect(documentRow(form, { deleted: false }, doc)).toBe(
      `${doc.id},"hi, ""you""",-3,false,a; b,alice,2026-01-02T03:04:05.678Z,,2026-01-02T03:04:05.678Z\r\n`,
    );
  });

  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['crlf\r\nhere', '"crlf\r\nhere"'],
    ['ünïcødé 😀', 'ünïcødé 😀'],
    ['', ''],
  ])('quotes %j as %j', (value, cell) => {
    expect(quoted(value)).toBe(cell);
    expect(parseCsv(`${cell}\r\n`)).toEqual([[value]]);
  });

  it.each(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', '=HYPERLINK("http://x","y")'])('neutralises %j with a leading quote', (value) => {
    expect(parseCsv(`${text(value)}\r\n`)).toEqual([[`'${value}`]]);
  });

  it('leaves numbers of number fields alone, and neutralises a number written to a text field', () => {
    expect(fieldCell('integer', -3)).toBe('-3');
    expect(fieldCell('number', -0.5)).toBe('-0.5');
    expect(fieldCell('text', -3)).toBe("'-3");
    expect(fieldCell('text', 'a=b')).toBe('a=b');
  });

  it('writes missing values empty and values of another type than the field’s as text', () => {
    expect(fieldCell('text', undefined)).toBe('');
    expect(fieldCell('integer', null)).toBe('');
    expect(fieldCell('boolean', true)).toBe('true');
    expect(fieldCell('multiselect', [])).toBe('');
    expect(fieldCell('multiselect', ['-x', 'y'])).toBe("'-x; y");
    expect(fieldCell('text', { a: 1 })).toBe('"{""a"":1}"');
  });
});
