import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DRIVERS } from '../support/databases.ts';
import { FIXTURE_FORMS } from '../support/forms.ts';
import { buildTestApp, expectProblem, jsonInit, type TestApp } from '../support/app.ts';

/**
 * The routes around the documents: form definitions (src/forms/handlers.ts), /health, /health/live,
 * /openapi.json and /docs, all through the real app on each driver.
 */

interface FormDetail {
  name: string;
  title: string;
  description?: string;
  fields: Record<string, Record<string, unknown>>;
  may: Record<string, unknown>;
  schema: Record<string, unknown> & { properties: Record<string, Record<string, unknown>>; required?: string[] };
}
interface CheckResult {
  componentType: string;
  status: string;
  observedValue: number;
  observedUnit: string;
  time: string;
  output?: string;
}
interface Health {
  status: string;
  description: string;
  checks: Record<string, CheckResult[]>;
}

const HEALTH_TYPE = /^application\/health\+json(;|$)/;
const JSON_SCHEMA_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

describe.each(DRIVERS)('forms, health and reference routes on $name', (driver) => {
  let t: TestApp;
  let fixture: { forms: Record<string, { title: string; fields: Record<string, unknown>; access?: Record<string, string[]> }> };
  const getJson = async <T>(path: string): Promise<T> => {
    const res = await t.app.request(path);
    expect(res.status, path).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    t = await buildTestApp(driver);
    fixture = parse(await readFile(FIXTURE_FORMS, 'utf8')) as typeof fixture;
  });
  afterAll(() => t?.close());

  // The anonymous caller of an app without protection: the forms' access rules alone decide.
  const MAY = {
    notes: { create: true, read: 'all', update: 'all', delete: 'all' },
    'private-notes': { create: false, read: 'none', update: 'none', delete: 'none' },
    'drop-box': { create: true, read: 'none', update: 'none', delete: 'none' },
  } as Record<string, unknown>;

  describe('GET /api/v1/forms', () => {
    it('lists every form, in file order, with name, title and what the caller may do', async () => {
      const body = await getJson<{ items: unknown[] }>('/api/v1/forms');
      expect(body).toEqual({
        items: Object.entries(fixture.forms).map(([name, form]) => ({ name, title: form.title, may: MAY[name] })),
      });
      expect(body.items).toHaveLength(3);
    });
  });

  describe('GET /api/v1/forms/{form}', () => {
    it('gives the definition as configured and a JSON Schema (2020-12) of its documents', async () => {
      const form = await getJson<FormDetail>('/api/v1/forms/notes');
      expect(form.name).toBe('notes');
      expect(form.title).toBe('Notes');
      expect(form.fields).toEqual(fixture.forms.notes!.fields);
      expect(Object.keys(form.fields)).toEqual(['title', 'body', 'priority', 'tags']);
      expect(form).not.toHaveProperty('access');

      const schema = form.schema;
      expect(schema.$schema).toBe(JSON_SCHEMA_2020_12);
      expect(schema.type).toBe('object');
      expect(schema.additionalProperties).toBe(false);
      expect(Object.keys(schema.properties).sort()).toEqual(['body', 'priority', 'tags', 'title']);
      // A field with a default may be left out, so only `title` is required.
      expect(schema.required).toEqual(['title']);
      expect(schema.properties.title).toMatchObject({ type: 'string', maxLength: 100 });
      expect(schema.properties.priority).toMatchObject({ type: 'integer', minimum: 1, maximum: 5, default: 3 });
      expect(schema.properties.tags).toMatchObject({ type: 'array', items: { enum: ['red', 'green', 'blue'] } });
    });

    it('shows a form with access rules without them (they name the groups), only what this caller may do', async () => {
      const form = await getJson<FormDetail>('/api/v1/forms/private-notes');
      expect(fixture.forms['private-notes']!.access).toBeDefined();
      expect(form).not.toHaveProperty('access');
      expect(form.may).toEqual(MAY['private-notes']);
      expect(JSON.stringify(form)).not.toMatch(/reviewers|editors/);
      expect(form.schema.$schema).toBe(JSON_SCHEMA_2020_12);
      expect(form.schema.required).toEqual(['title']);
    });

    it('describes documents the server accepts and rejects alike', async () => {
      const form = await getJson<FormDetail>('/api/v1/forms/notes');
      const priority = form.schema.properties.priority as { minimum: number; maximum: number };
      const url = '/api/v1/forms/notes/documents';
      expect((await t.app.request(url, jsonInit('POST', { title: 't', priority: priority.maximum }))).status).toBe(201);
      expect((await t.app.request(url, jsonInit('POST', { title: 't', priority: priority.minimum }))).status).toBe(201);
      await expectProblem(await t.app.request(url, jsonInit('POST', { title: 't', priority: priority.maximum + 1 })), 422, url);
      await expectProblem(await t.app.request(url, jsonInit('POST', { title: 't', unlisted: 1 })), 422, url);
    });

    it('is a 404 problem for a form that does not exist', async () => {
      const problem = await expectProblem(await t.app.request('/api/v1/forms/contacts'), 404, '/api/v1/forms/contacts');
      expect(problem.detail).toContain('contacts');
    });
  });

  describe('GET /health and /health/live', () => {
    it('GET /health passes with a timed database check', async () => {
      const res = await t.app.request('/health');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(HEALTH_TYPE);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = (await res.json()) as Health;
      expect(body.status).toBe('pass');
      expect(Object.keys(body.checks)).toEqual(['database:responseTime']);
      expect(body.checks['database:responseTime']).toEqual([
        { componentType: 'datastore', status: 'pass', observedValue: expect.any(Number), observedUnit: 'ms', time: expect.any(String) },
      ]);
      const check = body.checks['database:responseTime']![0]!;
      expect(check.observedValue).toBeGreaterThanOrEqual(0);
      expect(Number.isNaN(Date.parse(check.time))).toBe(false);
    });

    it('GET /health/live passes', async () => {
      const res = await t.app.request('/health/live');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(HEALTH_TYPE);
      expect(await res.json()).toEqual({ status: 'pass' });
    });
  });

  describe('GET /openapi.json and /docs', () => {
    it('GET /openapi.json is an OpenAPI 3.1.0 document of the routes the app serves', async () => {
      const doc = await getJson<{ openapi: string; info: { title: string }; paths: Record<string, Record<string, { operationId?: string }>> }>('/openapi.json');
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.info.title).toBe('Formgate');
      const operations = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
      expect(operations).toEqual(
        expect.arrayContaining([
          'listForms',
          'getForm',
          'createDocument',
          'listDocuments',
          'getDocument',
          'patchDocument',
          'deleteDocument',
          'restoreDocument',
          'getDocumentHistory',
          'getHealth',
          'getLiveness',
        ]),
      );
      // Served twice, the same document.
      expect(await getJson('/openapi.json')).toEqual(doc);
    });

    it('GET /docs is an HTML page pointing at /openapi.json', async () => {
      const res = await t.app.request('/docs');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html).toMatch(/^<!doctype html>/i);
      expect(html).toContain('data-url="/openapi.json"');
      expect(html).toContain('href="/openapi.json"');
    });
  });
});
