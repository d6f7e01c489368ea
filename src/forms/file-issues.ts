/**
 * Turns zod's issues about a forms file into messages for the person editing it: "expected a number,
 * got "ten"" with the offending value, rather than zod's wording about its own types.
 */
import type { z } from 'zod';
import { FILE_KEYS, FORM_KEYS } from './definition.ts';
import { ANY_FIELD_KEY, FIELD_KEYS, FIELD_TYPES, type FieldType } from './field-types.ts';

export interface FileIssue {
  path: PropertyKey[];
  message: string;
  /** Whether the key itself is wrong (unknown, badly named) rather than its value. */
  at: 'key' | 'value';
}

export function describeFileIssues(issues: readonly z.core.$ZodIssue[], data: unknown): FileIssue[] {
  return issues.flatMap((issue) => describe(issue, data));
}

function describe(issue: z.core.$ZodIssue, data: unknown): FileIssue[] {
  const value = valueAt(data, issue.path);
  const at = (message: string): FileIssue[] => [{ path: issue.path, message, at: 'value' }];
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path: [...issue.path, key],
        message: unknownKeyMessage(issue.path, key, data),
        at: 'key',
      }));
    case 'invalid_key':
      return [{ path: issue.path, message: issue.issues[0]?.message ?? issue.message, at: 'key' }];
    case 'invalid_type':
      return at(value === undefined ? 'is required' : `expected ${expected(issue.expected)}, got ${show(value)}`);
    case 'invalid_union':
      // The only union is the field's `type` discriminator.
      return at(
        value === undefined ? 'is required' : `expected one of: ${FIELD_TYPES.join(', ')}; got ${show(value)}`,
      );
    case 'invalid_value':
      return at(`expected one of: ${issue.values.map(String).join(', ')}; got ${show(value)}`);
    case 'invalid_format':
      if (issue.format === 'date') return at(`expected a date (YYYY-MM-DD), got ${show(value)}`);
      if (issue.format === 'datetime') {
        return at(`expected a date and time with an offset (e.g. 2024-05-01T09:30:00Z), got ${show(value)}`);
      }
      return at(issue.message);
    default:
      return at(issue.message);
  }
}

function unknownKeyMessage(parent: readonly PropertyKey[], key: string, data: unknown): string {
  if (parent.length === 0) return `unknown key (allowed: ${FILE_KEYS.join(', ')})`;
  if (parent.length === 2) return `unknown key (allowed: ${FORM_KEYS.join(', ')})`;
  const type = valueAt(data, [...parent, 'type']);
  if (parent.length === 4 && typeof type === 'string' && Object.hasOwn(FIELD_KEYS, type)) {
    const allowed = FIELD_KEYS[type as FieldType];
    return ANY_FIELD_KEY.has(key)
      ? `not allowed for type ${type}`
      : `unknown key (allowed for type ${type}: ${allowed.join(', ')})`;
  }
  return 'unknown key';
}

function expected(type: string): string {
  switch (type) {
    case 'object':
    case 'record':
      return 'a map';
    case 'array':
      return 'a list';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'int':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    default:
      return type;
  }
}

export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return typeof value;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current = data;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || typeof segment === 'symbol') return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}
