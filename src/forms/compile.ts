import { z } from 'zod';
import { deepFreeze } from '../freeze.ts';
import { err, ok, type Result } from '../result.ts';
import type { FieldDefinition, FormDefinition } from './definition.ts';
import { toFieldErrors, type FieldError } from './field-errors.ts';
import { fieldValueSchema } from './field-schema.ts';

export type JsonSchema = Readonly<Record<string, unknown>>;

export interface CompiledForm {
  readonly definition: FormDefinition;
  /** Draft 2020-12, describing what a client may send (defaults make a field optional). */
  readonly jsonSchema: JsonSchema;
  /** The document with defaults applied, or every problem found. `null` is not a value of any field. */
  validate(data: unknown): Result<Record<string, unknown>, FieldError[]>;
}

const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** Expects a definition that passed the loader's checks; an invalid `pattern` would throw here. */
export function compileForm(definition: FormDefinition): CompiledForm {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, field] of Object.entries(definition.fields)) shape[name] = withPresence(field);
  const schema = z.strictObject(shape) as unknown as z.ZodType<Record<string, unknown>>;

  const { $schema: _dialect, ...generated } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' });
  const jsonSchema = deepFreeze({
    $schema: JSON_SCHEMA_DIALECT,
    title: definition.title,
    ...(definition.description !== undefined ? { description: definition.description } : {}),
    ...generated,
  });

  return Object.freeze({
    definition,
    jsonSchema,
    validate(data: unknown): Result<Record<string, unknown>, FieldError[]> {
      if (!isJsonObject(data)) return err([{ path: '', message: 'must be a JSON object' }]);
      // A null prototype keeps fields named like Object.prototype members ("constructor", "toString")
      // from reading inherited functions when the client left them out.
      const result = schema.safeParse(Object.assign(Object.create(null) as object, data));
      return result.success ? ok({ ...result.data }) : err(toFieldErrors(result.error.issues));
    },
  });
}

function withPresence(field: FieldDefinition): z.ZodType {
  const value = fieldValueSchema(field);
  if (field.default !== undefined) {
    const fallback = field.default;
    // A fresh copy each time: documents must not share (or mutate) the definition's array.
    return value.default(() => structuredClone(fallback));
  }
  return field.required ? value : value.optional();
}

export function isJsonObject(data: unknown): data is Record<string, unknown> {
  return typeof data === 'object' && data !== null && !Array.isArray(data);
}

