import type { FieldChange } from '../db/schema.ts';

type Data = Record<string, unknown>;

/** What differs between two states of a document, field by field, in a stable order. */
export function diffData(before: Data, after: Data): FieldChange[] {
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changes: FieldChange[] = [];
  for (const field of fields) {
    const had = Object.hasOwn(before, field);
    const has = Object.hasOwn(after, field);
    if (had && has && sameValue(before[field], after[field])) continue;
    changes.push({ field, ...(had ? { from: before[field] } : {}), ...(has ? { to: after[field] } : {}) });
  }
  return changes;
}

/** A merge patch: `null` removes a field, anything else sets it. */
export function applyPatch(data: Data, patch: Data): Data {
  // Without a prototype, a field named `__proto__` is a field like any other, so validation can reject it.
  const merged: Data = Object.assign(Object.create(null) as Data, data);
  for (const [field, value] of Object.entries(patch)) {
    if (value === null) delete merged[field];
    else merged[field] = value;
  }
  return merged;
}

// Field values are JSON scalars or arrays of them, so comparing their JSON text is exact.
function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
