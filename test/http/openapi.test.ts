import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { contractsOnlyHost, openApiYamlOffline } from '../../src/host.ts';
import { lint } from '../support/redocly.ts';

const checkedInPath = fileURLToPath(new URL('../../openapi/formgate.yaml', import.meta.url));
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** `METHOD /path/{param}` for every operation in an OpenAPI document. */
function documentedOperations(document: { paths?: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m] !== undefined).map((m) => `${m.toUpperCase()} ${path}`),
  );
}

/** `METHOD /path/{param}` for every route handler the app registers (middleware on `ALL` left out). */
function servedOperations(): string[] {
  const routes = contractsOnlyHost().routes.filter((r) => r.method !== 'ALL');
  return [...new Set(routes.map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`))];
}

describe('the OpenAPI document', () => {
  it('is checked in as openapi/formgate.yaml, exactly as generated from the route contracts', async () => {
    const checkedIn = await readFile(checkedInPath, 'utf8').catch(() => '');
    expect(
      checkedIn,
      'openapi/formgate.yaml differs from the document the route contracts generate: run `npm run openapi` to rewrite it, then review and commit the change',
    ).toBe(openApiYamlOffline());
  });

  it('passes `redocly lint` without errors or warnings', async () => {
    const result = await lint('openapi/formgate.yaml');
    expect(result.problems, 'redocly lint found problems in openapi/formgate.yaml').toEqual([]);
    expect(result.code).toBe(0);
  }, 60_000);

  it('describes every route the app serves under /api/, and nothing it does not serve', async () => {
    const documented = documentedOperations(parse(await readFile(checkedInPath, 'utf8')));
    const served = servedOperations();

    const undocumented = served.filter((op) => op.split(' ')[1]!.startsWith('/api/') && !documented.includes(op));
    expect(undocumented, 'routes served under /api/ but missing from the OpenAPI document').toEqual([]);
    const unserved = documented.filter((op) => !served.includes(op));
    expect(unserved, 'operations in the OpenAPI document that the app does not serve').toEqual([]);
  });

  it('is served at /openapi.json, with a reference at /docs', async () => {
    const app = contractsOnlyHost();
    const json = await app.request('/openapi.json');
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual(parse(openApiYamlOffline()));

    const docs = await app.request('/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await docs.text()).toContain('data-url="/openapi.json"');
  });
});
