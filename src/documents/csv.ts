import type { FieldType, FormDefinition } from '../forms/index.ts';
import type { DocumentView } from './service.ts';

/**
 * Documents as CSV text (RFC 4180): one header row, one row per document, CRLF line ends. Pure functions;
 * csv-response.ts streams what they make.
 *
 * Cells that a spreadsheet would read as a formula are neutralised (OWASP "CSV injection"): a text cell that
 * starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`. Numbers of integer and
 * number fields are written as numbers, so `-3` stays `-3`: a JSON number cannot hold a formula.
 */

/** Separates the chosen options of a multiselect field in its one cell. */
export const MULTISELECT_SEPARATOR = '; ';

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** Whether the export lists deleted documents, and so has a `deleted_at` column. */
export interface CsvShape {
  deleted: boolean;
}

/** The header row: `id`, the form's fields in definition order, then who and when. */
export function headerRow(form: FormDefinition, shape: CsvShape): string {
  const names = ['id', ...Object.keys(form.fields), 'created_by', 'created_at', 'updated_by', 'updated_at'];
  if (shape.deleted) names.push('deleted_at');
  return row(names.map(text));
}

/** One document's row, its cells in the header's order. */
export function documentRow(form: FormDefinition, shape: CsvShape, doc: DocumentView): string {
  const cells = [text(doc.id)];
  for (const [name, field] of Object.entries(form.fields)) cells.push(fieldCell(field.type, doc.data[name]));
  cells.push(text(doc.createdBy ?? ''), text(doc.createdAt), text(doc.updatedBy ?? ''), text(doc.updatedAt));
  if (shape.deleted) cells.push(text(doc.deletedAt ?? ''));
  return row(cells);
}

/**
 * A field's value as a cell. Values are validated against the form when written, but the form may have
 * changed since, so a value of another type than the field's is still written, as text, never dropped.
 */
export function fieldCell(type: FieldType, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number' && (type === 'integer' || type === 'number')) return quoted(String(value));
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return text(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return text(value.join(MULTISELECT_SEPARATOR));
  return text(typeof value === 'object' ? JSON.stringify(value) : String(value));
}

/** A text cell: neutralised if a spreadsheet would take it for a formula, then quoted where needed. */
export function text(value: string): string {
  return quoted(FORMULA_START.test(value) ? `'${value}` : value);
}

/** Quotes a cell that holds a comma, a quote, CR or LF, doubling its quotes (RFC 4180 §2.6, §2.7). */
export function quoted(cell: string): string {
  return NEEDS_QUOTES.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

const row = (cells: string[]): string => `${cells.join(',')}\r\n`;
