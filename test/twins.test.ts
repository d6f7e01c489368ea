import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * Modules Formgate and the example identity service both need. They are kept as files in each package,
 * not shared, because each service is built and shipped alone (its own package.json and Dockerfile) and
 * must never import the other's code; this test keeps each pair byte-for-byte equal instead. What a pair
 * may differ in is declared once per service, in src/service.ts, which the twins import.
 */
const TWINS = [
  'src/freeze.ts',
  'src/result.ts',
  'src/logger.ts',
  'src/telemetry.ts',
  'src/http/request-id.ts',
  'src/http/graceful-close.ts',
  // How each package is launched and built.
  'bin/run-entry.js',
  'bin/build.js',
  'tsconfig.build.json',
];

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('twin modules of Formgate and the example identity service', () => {
  it.each(TWINS)('%s is the same file in both', (file) => {
    const formgate = read(file);
    const example = read(`auth-service-example/${file}`);
    expect(example, `auth-service-example/${file} differs from ${file}: change both, or neither`).toBe(formgate);
  });

  it('declare their one difference, the service name, and nothing else', () => {
    const declaration = /^(\/\/ .*\n)*export const SERVICE_NAME = '[a-z][a-z-]*';\n$/;
    expect(read('src/service.ts')).toMatch(declaration);
    expect(read('auth-service-example/src/service.ts')).toMatch(declaration);
  });
});
