/**
 * The parts of the API's answers the pages read, as zod schemas of the web client's own: a member the
 * pages need that changes type or goes missing fails here, loudly; members the pages do not read are
 * ignored (plain `z.object` drops them), so the API may grow without breaking the pages.
 */
import { z } from 'zod';

const scope = z.enum(['all', 'own', 'none']);

export const abilitiesSchema = z.object({ create: z.boolean(), read: scope, update: scope, delete: scope });
export type Abilities = z.output<typeof abilitiesSchema>;

const common = { label: z.string().optional(), description: z.string().optional(), required: z.boolean().optional() };
const lengths = { minLength: z.number().int().optional(), maxLength: z.number().int().optional() };

export const fieldSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal(['text', 'textarea']), ...common, ...lengths, pattern: z.string().optional(), default: z.string().optional() }),
  z.object({ type: z.literal(['email', 'url']), ...common, ...lengths, default: z.string().optional() }),
  z.object({ type: z.literal(['integer', 'number']), ...common, min: z.number().optional(), max: z.number().optional(), default: z.number().optional() }),
  z.object({ type: z.literal(['date', 'datetime']), ...common, min: z.string().optional(), max: z.string().optional(), default: z.string().optional() }),
  z.object({ type: z.literal('boolean'), ...common, default: z.boolean().optional() }),
  z.object({ type: z.literal('select'), ...common, options: z.array(z.string()).min(1), default: z.string().optional() }),
  z.object({
    type: z.literal('multiselect'),
    ...common,
    options: z.array(z.string()).min(1),
    min: z.number().int().optional(),
    max: z.number().int().optional(),
    default: z.array(z.string()).optional(),
  }),
]);
export type Field = z.output<typeof fieldSchema>;

export const formSchema = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string().optional(),
  may: abilitiesSchema,
  // JSON keeps the order of an object's members, and the API lists fields in form order.
  fields: z.record(z.string(), fieldSchema),
});
export type Form = z.output<typeof formSchema>;

export const documentSchema = z.object({
  id: z.string(),
  form: z.string(),
  version: z.number().int(),
  data: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  updatedAt: z.string(),
  updatedBy: z.string().nullable(),
  deletedAt: z.string().nullable(),
  deletedBy: z.string().nullable(),
});
export type Document = z.output<typeof documentSchema>;

export const documentPageSchema = z.object({ items: z.array(documentSchema), nextCursor: z.string().nullable() });
export type DocumentPage = z.output<typeof documentPageSchema>;

const changeSchema = z.object({ field: z.string(), from: z.unknown().optional(), to: z.unknown().optional() });
export type FieldChange = z.output<typeof changeSchema>;

export const historySchema = z.object({
  items: z.array(
    z.object({
      version: z.number().int(),
      action: z.enum(['create', 'update', 'delete', 'restore']),
      at: z.string(),
      by: z.string().nullable(),
      changes: z.array(changeSchema),
      data: z.record(z.string(), z.unknown()),
    }),
  ),
});
export type History = z.output<typeof historySchema>;

export const validationProblemSchema = z.object({
  errors: z.array(z.object({ path: z.string(), message: z.string() })),
});
export type FieldErrorEntry = z.output<typeof validationProblemSchema>['errors'][number];
