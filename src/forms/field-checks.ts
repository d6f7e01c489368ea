/**
 * Rules that tie several keys of one field together. They run on a field whose keys already have the
 * right types, and report every problem they find rather than the first.
 */
import type { FieldDefinition } from './field-types.ts';
import { fieldValueSchema } from './field-schema.ts';

export type Report = (path: (string | number)[], message: string) => void;

export function checkField(field: FieldDefinition, report: Report): void {
  checkBounds(field, report);
  if (field.type === 'multiselect' && field.min !== undefined && field.min > field.options.length) {
    report(['min'], `asks for at least ${field.min} choices but there are only ${field.options.length} options`);
  }
  if (field.default !== undefined) checkDefault(field, report);
}

function checkBounds(field: FieldDefinition, report: Report): void {
  switch (field.type) {
    case 'text':
    case 'textarea':
    case 'email':
    case 'url':
      return ordered(field.minLength, field.maxLength, (a, b) => a - b, ['minLength', 'maxLength'], report);
    case 'integer':
    case 'number':
    case 'multiselect':
      return ordered(field.min, field.max, (a, b) => a - b, ['min', 'max'], report);
    case 'date':
      return ordered(field.min, field.max, (a, b) => a.localeCompare(b), ['min', 'max'], report);
    case 'datetime':
      return ordered(field.min, field.max, (a, b) => Date.parse(a) - Date.parse(b), ['min', 'max'], report);
    case 'boolean':
    case 'select':
      return;
  }
}

function ordered<T>(
  low: T | undefined,
  high: T | undefined,
  compare: (a: T, b: T) => number,
  [lowKey, highKey]: [string, string],
  report: Report,
): void {
  if (low !== undefined && high !== undefined && compare(low, high) > 0) {
    report([lowKey], `${lowKey} (${String(low)}) is greater than ${highKey} (${String(high)})`);
  }
}

function checkDefault(field: FieldDefinition, report: Report): void {
  if (field.required) {
    // Such a field can never be missing, so `required` would promise a check that never happens.
    report(['default'], 'a required field cannot have a default; remove `required` or the default');
    return;
  }
  const result = fieldValueSchema(field).safeParse(field.default);
  if (result.success) return;
  for (const issue of result.error.issues) {
    report(['default', ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))], issue.message);
  }
}
