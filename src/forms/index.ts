export { FIELD_TYPES, FIELD_KEYS, type FieldType, type FieldDefinition } from './field-types.ts';
export { FORM_NAME, FIELD_NAME, fieldDefinitionSchema, formBodySchema, formsFileSchema, type FormDefinition, type FormsFile } from './definition.ts';
export { PERMISSIONS, ANY_IDENTIFIED_GROUP, ANONYMOUS_GROUP, isPermission, type Permission } from './grants.ts';
export { compileForm, isJsonObject, unknownFields, type CompiledForm, type JsonSchema } from './compile.ts';
export { jsonPointer, MAX_FIELD_ERRORS, type FieldError } from './field-errors.ts';
export { createFormRegistry, type FormRegistry } from './registry.ts';
export { loadFormsFile, parseFormsFile, formatFormsFileError, type FormsFileError } from './load.ts';
export {
  permissionsFor,
  canCreate,
  readScope,
  scopeOf,
  canActOn,
  abilitiesFrom,
  abilitiesFor,
  reaches,
  type DocumentAction,
  type Scope,
  type FormAbilities,
} from './permissions.ts';
