import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.ts';

/** A refused value is echoed in the message, but never the credentials in it, with or without a scheme. */
describe('credentials in a refused URL', () => {
  it.each([
    ['auth-url', 'formgate:hunter2@auth.internal:9000/validate'],
    ['auth-url', 'ftp://formgate:hunter2@auth.internal/validate'],
    ['ui-issuer', 'web:hunter2@id.example'],
    ['ui-public-url', 'web:hunter2@forms.example.org'],
  ])('--%s %s', (flag, value) => {
    const result = resolveConfig({ flags: { protect: 'none', [flag]: value }, env: {}, defaultFormsPath: 'forms.yaml' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.flag).toBe(flag);
    expect(result.error.message).not.toContain('hunter2');
    expect(result.error.message).toContain('***@');
  });
});
