import { z } from 'zod';
import { deepFreeze } from '../freeze.ts';
import { err, ok, type Result } from '../result.ts';
import type { FormDefinition } from './definition.ts';
import type { FieldDefinition } from './field-types.ts';
import { jsonPointer, MAX_FIELD_ERRORS, toFieldErrors, type FieldError } from './field-errors.ts';
import { fieldValueSchema, tooManyChoices } from './field-schema.ts';

export type JsonSchema = Readonly<Record<string, unknown>>;

export interface CompiledForm {
  readonly definition: FormDefinition;
  /** Draft 2020-12, describing what a client may send (defaults make a field optional). */
  readonly jsonSchema: JsonSchema;
  /**
   * The document with defaults applied, or the problems found: at most MAX_FIELD_ERRORS + 1, the
   * last one only saying there are more. `null` is not a value of any field.
   */
  validate(data: unknown): Result<Record<string, unknown>, FieldError[]>;
}

const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** Expects a definition that passed the loader's checks; an invalid `pattern` would throw here. */
export function compileForm(definition: FormDefinition): CompiledForm {
  const fields = Object.entries(definition.fields).map(([name, field]) => ({ name, field, schema: withPresence(field) }));
  const shape = Object.fromEntries(fields.map(({ name, schema }) => [name, schema]));

  const { $schema: _dialect, ...generated } = z.toJSONSchema(z.strictObject(shape), { target: 'draft-2020-12', io: 'input' });
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
      const errors: FieldError[] = [];
      const value: Record<string, unknown> = {};
      // Field by field rather than one object schema, so that nothing walks the whole body: only the
      // form's own keys are read, and unknown keys are looked for only until the list is full.
      for (const { name, field, schema } of fields) {
        // hasOwn: a field named "constructor" or "toString" must not read Object.prototype's member.
        const given = Object.hasOwn(data, name) ? data[name] : undefined;
        const early = tooManyChoices(field, given);
        if (early !== undefined) {
          errors.push({ path: jsonPointer([name]), message: early });
          continue;
        }
        const result = schema.safeParse(given);
        if (!result.success) errors.push(...toFieldErrors(name, result.error.issues));
        else if (result.data !== undefined) value[name] = result.data;
      }
      const room = MAX_FIELD_ERRORS + 1 - errors.length;
      if (room > 0) errors.push(...unknownFields(data, definition, room).map((key) => ({ path: jsonPointer([key]), message: 'unknown field' })));
      return errors.length > 0 ? err(errors.slice(0, MAX_FIELD_ERRORS + 1)) : ok(value);
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

/** The first `limit` keys of `data` that are not fields of the form, in the body's order. */
export function unknownFields(data: Record<string, unknown>, definition: FormDefinition, limit: number): string[] {
  const found: string[] = [];
  // Object.keys is the one walk over the whole body; what is done per key stops at the limit.
  for (const key of Object.keys(data)) {
    if (found.length >= limit) break;
    if (!Object.hasOwn(definition.fields, key)) found.push(key);
  }
  return found;
}

export function isJsonObject(data: unknown): data is Record<string, unknown> {
  return typeof data === 'object' && data !== null && !Array.isArray(data);
}
