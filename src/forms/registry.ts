import type { CompiledForm } from './compile.ts';

export interface FormRegistry {
  /** In file order. */
  list(): CompiledForm[];
  get(name: string): CompiledForm | undefined;
}

/** Names must be unique; the loader guarantees it, so a duplicate here is a programming error. */
export function createFormRegistry(forms: Iterable<CompiledForm>): FormRegistry {
  // A Map, not an object: a form named "constructor" or a request for "__proto__" must not hit Object.prototype.
  const byName = new Map<string, CompiledForm>();
  for (const form of forms) {
    if (byName.has(form.definition.name)) throw new Error(`duplicate form name: ${form.definition.name}`);
    byName.set(form.definition.name, form);
  }
  const ordered = [...byName.values()];
  return Object.freeze({
    list: () => [...ordered],
    get: (name: string) => byName.get(name),
  });
}
