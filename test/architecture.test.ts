import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseOptions } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { beforeAll, describe, expect, it } from 'vitest';

// The import rules of the layout, in .dependency-cruiser.cjs. A violation fails here with the rule's name.
const root = fileURLToPath(new URL('..', import.meta.url));
let options: ICruiseOptions;

beforeAll(async () => {
  options = await extractDepcruiseOptions(`${root}.dependency-cruiser.cjs`);
});

/** Each violation as `rule: from → to`, the way a reader fixes it. */
async function violations(baseDir: string, sources: string[]): Promise<string[]> {
  const result = await cruise(sources, { ...options, baseDir });
  if (typeof result.output === 'string') throw new Error('dependency-cruiser gave text, not a result');
  return result.output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
}

describe('the import rules', () => {
  it('hold for Formgate and the example identity service', async () => {
    expect(await violations(root, ['src', 'auth-service-example/src', 'auth-service-example/bin'])).toEqual([]);
  });

  it('can fail: a tree that breaks four of them is reported by exactly those', async () => {
    const found = await violations(`${root}test/fixtures/architecture`, ['src']);
    expect(found).toEqual([
      'http-imports-no-feature: src/http/problem.ts → src/forms/a.ts',
      'no-cycles: src/forms/a.ts → src/forms/b.ts',
      'not-to-unresolvable: src/web/page.ts → ../forms/missing.ts',
      'web-through-http-only: src/web/page.ts → src/db/pool.ts',
    ]);
  });
});
