import type { Field, FieldErrorEntry } from './api-schemas.ts';

/** The API's 422 errors placed on the page: next to each field, and all of them in the summary. */
export interface PlacedErrors {
  /** Messages by field name, already led by the field's label. */
  readonly byField: ReadonlyMap<string, readonly string[]>;
  /** In the order of the form's fields, then the errors no field owns (no link). */
  readonly summary: readonly { readonly text: string; readonly href?: string }[];
}

export const NO_ERRORS: PlacedErrors = { byField: new Map(), summary: [] };

/** The id of a field's widget (a multiselect's first checkbox): what labels and summary links point at. */
export const fieldId = (name: string): string => `field-${name}`;
export const labelOf = (name: string, field: Field): string => field.label ?? name;

/** `/sessions/1` → `sessions`: the field a JSON Pointer starts at (RFC 6901 escapes undone). */
function fieldOf(path: string): string | undefined {
  const first = path.split('/')[1];
  return first === undefined ? undefined : first.replaceAll('~1', '/').replaceAll('~0', '~');
}

export function placeErrors(fields: Readonly<Record<string, Field>>, errors: readonly FieldErrorEntry[]): PlacedErrors {
  const byField = new Map<string, string[]>();
  const loose: { text: string }[] = [];
  for (const error of errors) {
    const name = fieldOf(error.path);
    const field = name === undefined ? undefined : Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (name === undefined || field === undefined) {
      loose.push({ text: name === undefined ? error.message : `${name} ${error.message}` });
      continue;
    }
    const item = error.path.split('/').length > 2 ? ` (choice ${Number(error.path.split('/')[2]) + 1})` : '';
    const list = byField.get(name) ?? [];
    list.push(`${labelOf(name, field)}${item} ${error.message}`);
    byField.set(name, list);
  }
  const summary = Object.keys(fields).flatMap((name) => (byField.get(name) ?? []).map((text) => ({ text, href: `#${fieldId(name)}` })));
  return { byField, summary: [...summary, ...loose] };
}

/** A body the API refused as too large (413): no field to blame, so one line in the summary. */
export function tooLargeErrors(detail: string | undefined): PlacedErrors {
  return { byField: new Map(), summary: [{ text: detail ?? 'What you typed is too large to send: shorten the longest texts and send it again.' }] };
}
