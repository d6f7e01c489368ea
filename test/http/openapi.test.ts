import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { offlineApp, openApiYamlOffline } from '../../src/http/openapi-offline.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const checkedInPath = fileURLToPath(new URL('../../openapi/formgate.yaml', import.meta.url));
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: { ruleId: string; severity: string; message: string; location?: { pointer?: string }[] }[];
}

/** Runs a command to its end without throwing on a non-zero exit, so the test can report what it printed. */
function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: root, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });
}

/** `METHOD /path/{param}` for every operation in an OpenAPI document. */
function documentedOperations(document: { paths?: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m] !== undefined).map((m) => `${m.toUpperCase()} ${path}`),
  );
}

/** `METHOD /path/{param}` for every route handler the app registers (middleware on `ALL` left out). */
function servedOperations(): string[] {
  const routes = offlineApp().routes.filter((r) => r.method !== 'ALL');
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

  it(
    'passes `redocly lint` without errors',
    async () => {
      const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
      const redocly = fileURLToPath(new URL('../../node_modules/.bin/redocly', import.meta.url));
      const { code, stdout, stderr } = await run(redocly, ['lint', 'openapi/formgate.yaml', '--format=json'], env);

      let report: LintReport;
      try {
        report = JSON.parse(stdout) as LintReport;
      } catch {
        throw new Error(`redocly lint exited ${code} without a JSON report.\nstdout:\n${stdout}\nstderr:\n${stderr}`);
      }
      const errors = report.problems
        .filter((p) => p.severity === 'error')
        .map((p) => `${p.ruleId} at ${p.location?.[0]?.pointer ?? '?'}: ${p.message}`);
      expect(errors, 'redocly lint found errors in openapi/formgate.yaml').toEqual([]);
      expect(report.totals.errors).toBe(0);
      expect(code, `redocly lint exited ${code}\n${stderr}`).toBe(0);
    },
    60_000,
  );

  it('describes every route the app serves under /api/, and nothing it does not serve', async () => {
    const documented = documentedOperations(parse(await readFile(checkedInPath, 'utf8')));
    const served = servedOperations();

    const undocumented = served.filter((op) => op.split(' ')[1]!.startsWith('/api/') && !documented.includes(op));
    expect(undocumented, 'routes served under /api/ but missing from the OpenAPI document').toEqual([]);
    const unserved = documented.filter((op) => !served.includes(op));
    expect(unserved, 'operations in the OpenAPI document that the app does not serve').toEqual([]);
  });

  it('is served at /openapi.json, with a reference at /docs', async () => {
    const app = offlineApp();
    const json = await app.request('/openapi.json');
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual(parse(openApiYamlOffline()));

    const docs = await app.request('/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await docs.text()).toContain('data-url="/openapi.json"');
  });
});
