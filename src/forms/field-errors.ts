import type { z } from 'zod';

/** A problem with a submitted document; `path` is a JSON Pointer (RFC 6901) into the body, "" for the body itself. */
export interface FieldError {
  path: string;
  message: string;
}

export function jsonPointer(path: readonly PropertyKey[]): string {
  return path.map((segment) => '/' + String(segment).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

/** zod reports all unknown keys in one issue; a client wants one error per field it must remove. */
export function toFieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: jsonPointer([...issue.path, key]), message: 'unknown field' }))
      : [{ path: jsonPointer(issue.path), message: issue.message }],
  );
}
