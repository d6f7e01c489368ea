import type { z } from 'zod';

/** A problem with a submitted document; `path` is a JSON Pointer (RFC 6901) into the body, "" for the body itself. */
export interface FieldError {
  path: string;
  message: string;
}

/**
 * A 422 lists at most this many problems. Validation stops once it has one more than this, so a body
 * of a hundred thousand unknown keys costs no more than one of a hundred and one; the extra problem
 * says that the list was cut.
 */
export const MAX_FIELD_ERRORS = 100;

export function jsonPointer(path: readonly PropertyKey[]): string {
  return path.map((segment) => '/' + String(segment).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

/** The issues zod found in one field's value, with paths from the body's root. */
export function toFieldErrors(field: string, issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.map((issue) => ({ path: jsonPointer([field, ...issue.path]), message: issue.message }));
}
