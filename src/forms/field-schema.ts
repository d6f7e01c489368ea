/**
 * One field's value as a zod schema. Every message is written here, next to the constraint it
 * explains, because they are read by the person filling the form, not by a developer.
 */
import { z } from 'zod';
import type { FieldDefinition } from './definition.ts';

export const MESSAGES = {
  required: 'is required',
  text: 'must be text',
  email: 'must be a valid email address',
  url: 'must be a valid http or https URL',
  integer: 'must be a whole number',
  number: 'must be a number',
  date: 'must be a date (YYYY-MM-DD)',
  datetime: 'must be a date and time with a time zone offset (RFC 3339, e.g. 2024-05-01T09:30:00Z)',
  boolean: 'must be true or false',
  duplicate: 'is chosen more than once',
  storable: 'must not contain NUL characters or unpaired UTF-16 surrogates',
  oneOf: (options: readonly string[]) => `must be one of: ${options.join(', ')}`,
  listOf: (options: readonly string[]) => `must be a list of choices from: ${options.join(', ')}`,
} as const;

/** A missing key reaches the value schema as `undefined`; that is the one case where "wrong type" means "absent". */
const orRequired =
  (message: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? MESSAGES.required : message;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Skip a bound when the format already failed: "must be a date" says it all. */
const formatPassed = (payload: { issues: readonly unknown[] }): boolean => payload.issues.length === 0;

export function fieldValueSchema(field: FieldDefinition): z.ZodType {
  const meta: { title?: string; description?: string } = {};
  if (field.label !== undefined) meta.title = field.label;
  if (field.description !== undefined) meta.description = field.description;
  return valueSchema(field).meta(meta);
}

function valueSchema(field: FieldDefinition): z.ZodType {
  switch (field.type) {
    case 'text':
    case 'textarea': {
      let schema = z.string({ error: orRequired(MESSAGES.text) });
      // A required text box left empty is what people mean by "missing".
      if (field.required) schema = schema.check(z.minLength(1, { error: MESSAGES.required, abort: true }));
      schema = withLengths(schema, field);
      if (field.pattern !== undefined) {
        schema = schema.check(
          z.regex(new RegExp(field.pattern, 'u'), { error: `must match the pattern ${field.pattern}` }),
        );
      }
      return schema;
    }
    case 'email':
      return withLengths(z.email({ error: orRequired(MESSAGES.email) }), field);
    case 'url':
      return withLengths(z.url({ protocol: /^https?$/, error: orRequired(MESSAGES.url) }), field);
    case 'integer':
      return withNumberBounds(z.int({ error: orRequired(MESSAGES.integer) }), field);
    case 'number':
      return withNumberBounds(z.number({ error: orRequired(MESSAGES.number) }), field);
    case 'date':
      // ISO dates compare correctly as strings.
      return withOrderedBounds(z.iso.date({ error: orRequired(MESSAGES.date) }), field, (a, b) => a.localeCompare(b));
    case 'datetime':
      // Offsets differ, so compare instants, not strings.
      return withOrderedBounds(
        z.iso.datetime({ offset: true, error: orRequired(MESSAGES.datetime) }),
        field,
        (a, b) => Date.parse(a) - Date.parse(b),
      );
    case 'boolean':
      return z.boolean({ error: orRequired(MESSAGES.boolean) });
    case 'select':
      return z.enum(field.options, { error: orRequired(MESSAGES.oneOf(field.options)) });
    case 'multiselect': {
      let schema = z.array(z.enum(field.options, { error: MESSAGES.oneOf(field.options) }), {
        error: orRequired(MESSAGES.listOf(field.options)),
      });
      if (field.min !== undefined) {
        schema = schema.min(field.min, { error: `must have at least ${plural(field.min, 'choice')}` });
      }
      if (field.max !== undefined) {
        schema = schema.max(field.max, { error: `must have at most ${plural(field.max, 'choice')}` });
      }
      return schema
        .superRefine((choices, ctx) => {
          const seen = new Set<unknown>();
          choices.forEach((choice, i) => {
            if (seen.has(choice)) ctx.addIssue({ code: 'custom', path: [i], message: MESSAGES.duplicate });
            seen.add(choice);
          });
        })
        .meta({ uniqueItems: true });
    }
  }
}

function withLengths<S extends z.ZodType<string>>(schema: S, field: { minLength?: number; maxLength?: number }): S {
  // PostgreSQL's jsonb cannot hold U+0000 or half a surrogate pair; such text is the sender's mistake, not ours.
  let out = schema.check(z.refine((v: string) => !v.includes('\u0000') && v.isWellFormed(), { error: MESSAGES.storable }));
  if (field.minLength !== undefined) {
    out = out.check(
      z.minLength(field.minLength, { error: `must be at least ${plural(field.minLength, 'character')} long` }),
    );
  }
  if (field.maxLength !== undefined) {
    out = out.check(
      z.maxLength(field.maxLength, { error: `must be at most ${plural(field.maxLength, 'character')} long` }),
    );
  }
  return out;
}

function withNumberBounds<S extends z.ZodType<number>>(schema: S, field: { min?: number; max?: number }): S {
  let out = schema;
  if (field.min !== undefined) out = out.check(z.gte(field.min, { error: `must be at least ${field.min}` }));
  if (field.max !== undefined) out = out.check(z.lte(field.max, { error: `must be at most ${field.max}` }));
  return out;
}

/**
 * JSON Schema has no bounds for date strings; `formatMinimum`/`formatMaximum` are the keywords Ajv's
 * ajv-formats understands, so a client using it enforces the same range.
 */
function withOrderedBounds<S extends z.ZodType<string>>(
  schema: S,
  field: { min?: string; max?: string },
  compare: (a: string, b: string) => number,
): z.ZodType<string> {
  let out: z.ZodType<string> = schema;
  const { min, max } = field;
  const meta: Record<string, string> = {};
  if (min !== undefined) {
    out = out.refine((v) => compare(v, min) >= 0, { error: `must be ${min} or later`, when: formatPassed });
    meta.formatMinimum = min;
  }
  if (max !== undefined) {
    out = out.refine((v) => compare(v, max) <= 0, { error: `must be ${max} or earlier`, when: formatPassed });
    meta.formatMaximum = max;
  }
  return Object.keys(meta).length ? out.meta(meta) : out;
}
