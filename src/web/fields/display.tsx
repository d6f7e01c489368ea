/** Stored values and instants as people read them on the documents pages. */
import type { Field } from './api-schemas.ts';

/** A field's value as text: lists joined, booleans as Yes/No, nothing as an em dash. */
export function displayValue(field: Field | undefined, value: unknown): string {
  if (value === undefined || value === null || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (Array.isArray(value)) return value.length === 0 ? '—' : value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
  if (field?.type === 'datetime' && typeof value === 'string') return when(value);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** An API timestamp in UTC, to the minute, the way every page shows times. */
export function when(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function Instant(props: { iso: string }) {
  return <time datetime={props.iso}>{when(props.iso)}</time>;
}

/** Who did something: a user id, or "someone without an account" for an anonymous caller. */
export const who = (id: string | null): string => id ?? 'an anonymous visitor';
