/**
 * One field's value as a zod schema. Every message is written here, next to the constraint it
 * explains, because they are read by the person filling the form, not by a developer.
 */
import { z } from 'zod';
import type { FieldDefinition } from './field-types.ts';
import { compilePattern } from './pattern.ts';

export const MESSAGES = {
  required: 'is required',
  text: 'must be text',
  email: 'must be a valid email address',
  emailLocalPart: 'must be a valid email address: at most 64 characters before the @',
  url: 'must be a valid http or https URL',
  urlCredentials: 'must not contain a user name or password (the part before @ in https://user@host)',
  integer: 'must be a whole number',
  integerRange: (low: number, high: number) => `must be a whole number between ${low} and ${high}`,
  number: 'must be a number',
  date: 'must be a date (YYYY-MM-DD)',
  datetime: 'must be a date and time with a time zone offset (RFC 3339, e.g. 2024-05-01T09:30:00Z)',
  boolean: 'must be true or false',
  duplicate: 'is chosen more than once',
  storable: 'must not contain NUL characters or unpaired UTF-16 surrogates',
  oneOf: (options: readonly string[]) => `must be one of: ${options.join(', ')}`,
  listOf: (options: readonly string[]) => `must be a list of choices from: ${options.join(', ')}`,
  atMostChoices: (n: number) => `must have at most ${plural(n, 'choice')}`,
} as const;

// RFC 5321 §4.5.3.1: a path is at most 256 octets with its angle brackets, a local part at most 64.
const EMAIL_MAX_LENGTH = 254;
const EMAIL_LOCAL_MAX_LENGTH = 64;

/** A missing key reaches the value schema as `undefined`; that is the one case where "wrong type" means "absent". */
const orRequired =
  (message: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? MESSAGES.required : message;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Skip a bound when the format already failed: "must be a date" says it all. */
const formatPassed = (payload: { issues: readonly unknown[] }): boolean => payload.issues.length === 0;

/**
 * Zod checks every item of a list before its length. A list longer than the field allows is wrong
 * whatever its items are, so the caller asks this first and reports the one problem.
 */
export function tooManyChoices(field: FieldDefinition, value: unknown): string | undefined {
  if (field.type !== 'multiselect' || !Array.isArray(value)) return undefined;
  const most = mostChoices(field);
  return value.length > most ? MESSAGES.atMostChoices(most) : undefined;
}

// No choice may be given twice, so there can never be more choices than options.
const mostChoices = (field: { options: readonly string[]; max?: number }): number =>
  Math.min(field.max ?? Infinity, field.options.length);

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
      // A required text box left empty, or holding only spaces, is what people mean by "missing".
      if (field.required) schema = schema.check(z.minLength(1, { error: MESSAGES.required, abort: true }));
      schema = withLengths(schema, field);
      if (field.required) schema = schema.check(z.refine((v: string) => /\S/.test(v), { error: MESSAGES.required, abort: true }));
      return field.pattern === undefined ? schema : withPattern(schema, field.pattern);
    }
    case 'email': {
      const maxLength = Math.min(field.maxLength ?? EMAIL_MAX_LENGTH, EMAIL_MAX_LENGTH);
      // Lengths first: they are cheap, and they bound what the format's regex is run on.
      return withLengths(z.string({ error: orRequired(MESSAGES.email) }), { ...field, maxLength })
        .check(z.email({ error: MESSAGES.email }))
        .refine((v) => v.indexOf('@') <= EMAIL_LOCAL_MAX_LENGTH, { error: MESSAGES.emailLocalPart, when: formatPassed });
    }
    case 'url':
      // A user name lets https://good.example@evil.example/ read as a link to good.example.
      return withLengths(z.string({ error: orRequired(MESSAGES.url) }), field)
        .check(z.url({ protocol: /^https?$/, error: MESSAGES.url }))
        .refine((v) => !hasCredentials(v), { error: MESSAGES.urlCredentials, when: formatPassed });
    case 'integer': {
      // JSON numbers are doubles: past 2^53 - 1 a whole number is no longer the one that was sent.
      const low = field.min ?? Number.MIN_SAFE_INTEGER;
      const high = field.max ?? Number.MAX_SAFE_INTEGER;
      const message = (issue: { input?: unknown }): string =>
        issue.input === undefined
          ? MESSAGES.required
          : typeof issue.input === 'number' && !Number.isSafeInteger(Math.trunc(issue.input))
            ? MESSAGES.integerRange(low, high)
            : MESSAGES.integer;
      // abort: a number that is not a whole one in range has its message; no bound need add another.
      return withNumberBounds(z.int({ error: message, abort: true }), field);
    }
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
      // Longer lists never get here (tooManyChoices); the bound is for the JSON Schema.
      if (field.max !== undefined) schema = schema.max(field.max, { error: MESSAGES.atMostChoices(field.max) });
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

/** Each aborts: the checks after them (format, pattern) cost time in proportion to the text's length. */
function withLengths<S extends z.ZodType<string>>(schema: S, field: { minLength?: number; maxLength?: number }): S {
  let out = schema;
  if (field.minLength !== undefined) {
    const error = `must be at least ${plural(field.minLength, 'character')} long`;
    out = out.check(z.minLength(field.minLength, { error, abort: true }));
  }
  if (field.maxLength !== undefined) {
    const error = `must be at most ${plural(field.maxLength, 'character')} long`;
    out = out.check(z.maxLength(field.maxLength, { error, abort: true }));
  }
  // PostgreSQL's jsonb cannot hold U+0000 or half a surrogate pair; such text is the sender's mistake, not ours.
  return out.check(z.refine((v: string) => !v.includes('\u0000') && v.isWellFormed(), { error: MESSAGES.storable, abort: true }));
}

/** Matched by RE2 (linear time); the JSON Schema still shows clients the ECMAScript source. */
function withPattern(schema: z.ZodString, source: string): z.ZodType<string> {
  const compiled = compilePattern(source);
  if (!compiled.ok) throw new Error(`pattern ${source} ${compiled.error}`);
  const pattern = compiled.value;
  return schema.refine((v) => pattern.test(v), { error: `must match the pattern ${source}` }).meta({ pattern: source });
}

/**
 * Whether the authority holds a user name or password. WHATWG URL drops an empty one
 * (http://@host/), so the text itself is read: an @ before the end of the authority.
 */
function hasCredentials(url: string): boolean {
  const afterScheme = url.slice(url.indexOf(':') + 1).replace(/^[/\\]*/, '');
  const authorityEnd = afterScheme.search(/[/\\?#]/);
  return (authorityEnd === -1 ? afterScheme : afterScheme.slice(0, authorityEnd)).includes('@');
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
