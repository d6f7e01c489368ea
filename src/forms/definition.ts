/**
 * The shape of a forms file. A field's structure (which keys exist, their types) is declared in
 * field-types.ts; rules that relate several keys of one field (min <= max, a valid default) live in
 * field-checks.ts and run only once that field's structure is sound, so each message is about one clear
 * mistake. This module puts them together with the form's own keys and its access list.
 */
import { z } from 'zod';
import { checkField } from './field-checks.ts';
import { fieldShapeSchema, type FieldDefinition } from './field-types.ts';
import { ANONYMOUS_GROUP, PERMISSIONS, isPermission, type Permission } from './grants.ts';

export const FORM_NAME = /^[a-z][a-z0-9_-]{0,62}$/;
export const FIELD_NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,62}$/;

export const fieldDefinitionSchema = fieldShapeSchema.superRefine((field, ctx) =>
  checkField(field, (path, message) => ctx.addIssue({ code: 'custom', path, message })),
);

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
