/**
 * What a field of a form is: its type and the keys each type accepts, with their types. This is the
 * vocabulary the rules across keys (field-checks.ts) and the value schemas (field-schema.ts) are written
 * against; it imports none of them, so the modules that read a field never import each other in a circle.
 */
import { z } from 'zod';
import { patternProblem } from './pattern.ts';

export const FIELD_TYPES = [
  'text',
  'textarea',
  'email',
  'url',
  'integer',
  'number',
  'date',
  'datetime',
  'boolean',
  'select',
  'multiselect',
] as const;

export type FieldType = (typeof FIELD_TYPES)[number];

const count = z.int().min(0, { error: 'must not be negative' });
const isoDate = z.iso.date();
const isoDatetime = z.iso.datetime({ offset: true });

/**
 * ECMAScript source with the `u` flag (the flavour JSON Schema validators such as Ajv use for `pattern`),
 * limited to what the linear-time matcher can run: no backreferences or lookaround.
 */
const regexSource = z.string().superRefine((source, ctx) => {
  const problem = patternProblem(source);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const options = z
  .array(z.string().min(1, { error: 'must not be empty' }))
  .min(1, { error: 'must list at least one option' })
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((option, i) => {
      if (seen.has(option)) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate option "${option}"` });
      seen.add(option);
    });
  });

const common = {
  label: z.string().min(1, { error: 'must not be empty' }).optional(),
  description: z.string().optional(),
  required: z.boolean().optional(),
};

const lengths = { minLength: count.optional(), maxLength: count.optional() };

const textField = z.strictObject({
  type: z.literal(['text', 'textarea']),
  ...common,
  ...lengths,
  pattern: regexSource.optional(),
  default: z.string().optional(),
});
const stringFormatField = z.strictObject({
  type: z.literal(['email', 'url']),
  ...common,
  ...lengths,
  default: z.string().optional(),
});
const integerField = z.strictObject({
  type: z.literal('integer'),
  ...common,
  min: z.int().optional(),
  max: z.int().optional(),
  default: z.int().optional(),
});
const numberField = z.strictObject({
  type: z.literal('number'),
  ...common,
  min: z.number().optional(),
  max: z.number().optional(),
  default: z.number().optional(),
});
const dateField = z.strictObject({
  type: z.literal('date'),
  ...common,
  min: isoDate.optional(),
  max: isoDate.optional(),
  default: z.string().optional(),
});
const datetimeField = z.strictObject({
  type: z.literal('datetime'),
  ...common,
  min: isoDatetime.optional(),
  max: isoDatetime.optional(),
  default: z.string().optional(),
});
const booleanField = z.strictObject({
  type: z.literal('boolean'),
  ...common,
  default: z.boolean().optional(),
});
const selectField = z.strictObject({
  type: z.literal('select'),
  ...common,
  options,
  default: z.string().optional(),
});
const multiselectField = z.strictObject({
  type: z.literal('multiselect'),
  ...common,
  options,
  min: count.optional(),
  max: count.optional(),
  default: z.array(z.string()).optional(),
});

const fieldVariants = [
  textField,
  stringFormatField,
  integerField,
  numberField,
  dateField,
  datetimeField,
  booleanField,
  selectField,
  multiselectField,
] as const;

/** The keys each field type accepts, so the loader can say "not allowed for type integer" rather than "unknown key". */
export const FIELD_KEYS: Readonly<Record<FieldType, readonly string[]>> = Object.fromEntries(
  fieldVariants.flatMap((variant) => [...variant.shape.type.values].map((type) => [type, Object.keys(variant.shape)])),
) as unknown as Record<FieldType, readonly string[]>;

export const ANY_FIELD_KEY: ReadonlySet<string> = new Set(Object.values(FIELD_KEYS).flat());

/** A field whose keys have the right types; field-checks.ts holds the rules that relate its keys. */
export const fieldShapeSchema = z.discriminatedUnion('type', fieldVariants);

export type FieldDefinition = z.output<typeof fieldShapeSchema>;
