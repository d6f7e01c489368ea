/**
 * What a person changed in an edit, measured against the values the edit page showed them. After a 412,
 * only those fields are applied on top of the version saved meanwhile: the rest keep the other person's
 * values, so applying again cannot undo a change this person never made.
 */
import type { Field } from './api-schemas.ts';
import { documentFromValues, type FormValues } from './form-values.ts';

type Fields = Readonly<Record<string, Field>>;

/** The hidden `_read` field: the values the page showed, as JSON (the person has seen them; nothing secret). */
export function encodeRead(values: FormValues): string {
  return JSON.stringify(values);
}

/** `_read` back, or `undefined` when it is missing or not the shape the page wrote. */
export function decodeRead(raw: unknown): FormValues | undefined {
  if (typeof raw !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value === 'string') out[name] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out[name] = value;
    else return undefined;
  }
  return out;
}

/** The fields whose value differs between two sets of form values, compared as the API would store them. */
export function changedFields(fields: Fields, before: FormValues, after: FormValues): string[] {
  const a = documentFromValues(fields, before, 'null');
  const b = documentFromValues(fields, after, 'null');
  return Object.keys(fields).filter((name) => JSON.stringify(a[name] ?? null) !== JSON.stringify(b[name] ?? null));
}

/** The current values with this person's changes laid over them; without what they read, all of theirs. */
export function applyTheirChange(fields: Fields, current: FormValues, theirs: FormValues, read: FormValues | undefined): { values: FormValues; changed: string[] } {
  const changed = read === undefined ? Object.keys(fields) : changedFields(fields, read, theirs);
  const values: Record<string, string | readonly string[]> = { ...current };
  for (const name of changed) {
    const value = theirs[name];
    if (value === undefined) delete values[name];
    else values[name] = value;
  }
  return { values, changed };
}
