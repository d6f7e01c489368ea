import { ProblemError } from '../http/problem.ts';
import type { CompiledForm } from './compile.ts';
import type { FormRegistry } from './registry.ts';

/** The form a request names, or a 404 that tells the caller where to find the names. */
export function findForm(forms: FormRegistry, name: string): CompiledForm {
  const form = forms.get(name);
  if (!form) throw new ProblemError(404, `There is no form "${name.slice(0, 100)}"; GET /api/v1/forms lists them.`);
  return form;
}
