import { fileURLToPath } from 'node:url';
import { loadFormsFile, type FormRegistry } from '../../src/forms/index.ts';

export const FIXTURE_FORMS = fileURLToPath(new URL('../fixtures/forms.yaml', import.meta.url));

export async function fixtureForms(): Promise<FormRegistry> {
  const loaded = await loadFormsFile(FIXTURE_FORMS);
  if (!loaded.ok) throw new Error(`test/fixtures/forms.yaml is invalid: ${JSON.stringify(loaded.error)}`);
  return loaded.value;
}
