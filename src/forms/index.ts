export {
  FIELD_TYPES,
  FIELD_KEYS,
  FORM_NAME,
  FIELD_NAME,
  fieldDefinitionSchema,
  formBodySchema,
  formsFileSchema,
  type FieldType,
  type FieldDefinition,
  type FormDefinition,
  type FormsFile,
} from './definition.ts';
export { compileForm, isJsonObject, unknownFields, type CompiledForm, type JsonSchema } from './compile.ts';
export { jsonPointer, MAX_FIELD_ERRORS, type FieldError } from './field-errors.ts';
export { createFormRegistry, type FormRegistry } from './registry.ts';
export { loadFormsFile, parseFormsFile, formatFormsFileError, type FormsFileError } from './load.ts';
export {
  PERMISSIONS,
  ANY_IDENTIFIED_GROUP,
  ANONYMOUS_GROUP,
  isPermission,
  permissionsFor,
  canCreate,
  readScope,
  scopeOf,
  canActOn,
  abilitiesFrom,
  abilitiesFor,
  reaches,
  type Permission,
  type DocumentAction,
  type Scope,
  type FormAbilities,
} from './permissions.ts';
