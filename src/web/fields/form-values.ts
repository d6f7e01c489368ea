/**
 * Between the HTML form and the document JSON. A form body is text; the document has types. What a
 * person typed that does not parse is sent as typed, so the API's 422 says what is wrong with it.
 */
import type { Field } from './api-schemas.ts';

/** What the widgets show and the browser sends back: text per field, a list for a multiselect. */
export type FormValues = Readonly<Record<string, string | readonly string[]>>;

/** The body Hono parses with `{ all: true }`: repeated names become lists, files are not expected. */
export type ParsedBody = Record<string, string | File | (string | File)[]>;

/** Only the form's own fields, as text; anything else in the body (`_csrf`, `_version`, junk) is dropped. */
export function valuesFromBody(fields: Readonly<Record<string, Field>>, body: ParsedBody): FormValues {
  const out: Record<string, string | string[]> = {};
  for (const [name, field] of Object.entries(fields)) {
    const value = body[name];
    const texts = (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((v): v is string => typeof v === 'string');
    if (field.type === 'multiselect') out[name] = texts;
    else if (texts[0] !== undefined) out[name] = texts[0];
  }
  return out;
}

/**
 * The document JSON for a create (`clear: 'absent'`: an empty optional field is left out, so a default
 * applies) or an edit (`clear: 'null'`: PATCH clears a field with null).
 */
export function documentFromValues(fields: Readonly<Record<string, Field>>, values: FormValues, clear: 'absent' | 'null'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields)) {
    const value = toJson(field, values[name]);
    if (value !== undefined) out[name] = value;
    else if (clear === 'null') out[name] = null;
  }
  return out;
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const LOCAL_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;

function toJson(field: Field, value: string | readonly string[] | undefined): unknown {
  switch (field.type) {
    // A checkbox sends nothing when unticked: that is false, never "missing".
    case 'boolean':
      return value === 'true';
    // No box ticked is an empty choice, not a field left out (which would bring the default back).
    case 'multiselect':
      return Array.isArray(value) ? [...value] : [];
  }
  if (typeof value !== 'string' || value === '') return undefined;
  switch (field.type) {
    case 'integer':
      return INTEGER.test(value.trim()) ? Number(value.trim()) : value;
    case 'number':
      return DECIMAL.test(value.trim()) ? Number(value.trim()) : value;
    // datetime-local has no offset: the page says its times are UTC (see widgets.tsx).
    case 'datetime':
      return LOCAL_DATETIME.test(value) ? `${value.length === 16 ? `${value}:00` : value}Z` : value;
    default:
      return value;
  }
}

/** The values a stored document shows in its edit form. */
export function valuesFromDocument(fields: Readonly<Record<string, Field>>, data: Readonly<Record<string, unknown>>): FormValues {
  const out: Record<string, string | string[]> = {};
  for (const [name, field] of Object.entries(fields)) {
    const value = data[name];
    if (field.type === 'multiselect') out[name] = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
    else if (field.type === 'boolean') out[name] = value === true ? 'true' : '';
    else if (field.type === 'datetime' && typeof value === 'string') out[name] = utcLocal(value) ?? value;
    else if (typeof value === 'string' || typeof value === 'number') out[name] = String(value);
  }
  return out;
}

/** The values an empty form starts with: the defaults. */
export function defaultValues(fields: Readonly<Record<string, Field>>): FormValues {
  const data: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields)) if (field.default !== undefined) data[name] = field.default;
  return valuesFromDocument(fields, data);
}

/** An RFC 3339 instant as a datetime-local value in UTC (seconds only when there are some). */
export function utcLocal(value: string): string | undefined {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  const iso = new Date(ms).toISOString();
  return iso.slice(17, 19) === '00' && iso.slice(20, 23) === '000' ? iso.slice(0, 16) : iso.slice(0, 19);
}

/** How many characters the values hold, for the draft's bound and for tests. */
export function valuesLength(values: FormValues): number {
  return Object.values(values).reduce((n, v) => n + (typeof v === 'string' ? v.length : v.join('').length), 0);
}
