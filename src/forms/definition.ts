/**
 * The shape of a forms file. Structure (which keys exist, their types) is declared here; rules that
 * relate several keys of one field (min <= max, a valid default) live in field-checks.ts and run only
 * once that field's structure is sound, so each message is about one clear mistake.
 */
import { z } from 'zod';
import { checkField } from './field-checks.ts';
import { patternProblem } from './pattern.ts';
import { ANONYMOUS_GROUP, PERMISSIONS, isPermission, type Permission } from './permissions.ts';

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

export const FORM_NAME = /^[a-z][a-z0-9_-]{0,62}$/;
export const FIELD_NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,62}$/;

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

export const fieldDefinitionSchema = z
  .discriminatedUnion('type', fieldVariants)
  .superRefine((field, ctx) => checkField(field, (path, message) => ctx.addIssue({ code: 'custom', path, message })));

export type FieldDefinition = z.output<typeof fieldDefinitionSchema>;

const accessSchema = z
  .record(z.string().min(1, { error: 'group names must not be empty' }), z.array(z.enum(PERMISSIONS)))
  .superRefine(
    (access, ctx) => {
      // An anonymous caller owns no document, so these grants would silently do nothing.
      const grants: unknown = Object.hasOwn(access, ANONYMOUS_GROUP) ? access[ANONYMOUS_GROUP] : undefined;
      if (!Array.isArray(grants)) return;
      grants.forEach((permission: unknown, i) => {
        if (typeof permission === 'string' && permission.endsWith('_own') && isPermission(permission)) {
          ctx.addIssue({
            code: 'custom',
            path: [ANONYMOUS_GROUP, i],
            message: `${permission} has no effect for anonymous callers: they own no documents`,
          });
        }
      });
    },
    // Also when another group's list is wrong, so one run reports both; hence the guards above.
    { when: () => true },
  );

export const formBodySchema = z.strictObject({
  title: z.string().refine((title) => title.trim() !== '', { error: 'must not be empty' }),
  description: z.string().optional(),
  fields: z
    .record(
      z.string().regex(FIELD_NAME, {
        error: 'field names start with a letter and hold only letters, digits and _ (at most 63 characters)',
      }),
      fieldDefinitionSchema,
    )
    .refine((fields) => Object.keys(fields).length > 0, { error: 'a form needs at least one field' }),
  access: accessSchema.optional(),
});

export const formsFileSchema = z.strictObject({
  forms: z
    .record(
      z.string().regex(FORM_NAME, {
        error: 'form names start with a lowercase letter and hold only a-z, 0-9, _ and - (at most 63 characters)',
      }),
      formBodySchema,
    )
    .refine((forms) => Object.keys(forms).length > 0, { error: 'define at least one form' }),
});

export const FORM_KEYS: readonly string[] = Object.keys(formBodySchema.shape);
export const FILE_KEYS: readonly string[] = Object.keys(formsFileSchema.shape);

export type FormsFile = z.output<typeof formsFileSchema>;

export interface FormDefinition {
  name: string;
  title: string;
  description?: string;
  /** In the order the file lists them, which is the order a client should show them. */
  fields: Record<string, FieldDefinition>;
  access?: Record<string, Permission[]>;
}
