import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { OpenAPIHono } from '@hono/zod-openapi';
import { declaredProtections, mountGroup } from '../../src/api/route-groups.ts';
import { contractsOnlyHost } from '../../src/host.ts';
import { buildTestApp, expectProblem, type TestApp } from '../support/app.ts';
import { DRIVERS } from '../support/databases.ts';
import { startIdentityServer, type IdentityServer } from '../support/identity-server.ts';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** `METHOD /pattern` of every operation in openapi/formgate.yaml, in Hono's `:param` spelling. */
async function documentedOperations(): Promise<string[]> {
  const path = fileURLToPath(new URL('../../openapi/formgate.yaml', import.meta.url));
  const document = parse(await readFile(path, 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(document.paths).flatMap(([p, item]) =>
    METHODS.filter((m) => item[m] !== undefined).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`),
  );
}

describe('a route belongs to one group', () => {
  it('refuses a group that registers a route another group declared, which would leave it the first guard', () => {
    const app = new OpenAPIHono();
    const guard = () => async (_c: unknown, next: () => Promise<void>) => next();
    const documents = new OpenAPIHono();
    documents.post('/api/v1/forms/:form/documents', (c) => c.body(null, 201));
    const open = new OpenAPIHono();
    open.post('/api/v1/forms/:form/documents', (c) => c.body(null, 204));
    mountGroup(app, 'documents', documents, guard);
    expect(() => mountGroup(app, 'open', open, guard)).toThrow(/declared by two route groups/);
    expect(declaredProtections(app).get('POST /api/v1/forms/:form/documents')).toBe('documents');
  });
});

describe('every route declares its protection where its group is mounted', () => {
  const host = contractsOnlyHost();
  const declared = declaredProtections(host);

  it('has a declaration for every operation of the OpenAPI document', async () => {
    const operations = await documentedOperations();
    expect(operations.length).toBeGreaterThan(10);
    expect(operations.filter((op) => !declared.has(op)), 'operations with no declared protection').toEqual([]);
  });

  it('has a declaration for every route the host serves (catch-alls and middleware aside)', () => {
    const served = [...new Set(host.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))];
    expect(served.filter((op) => !declared.has(op)), 'served routes with no declared protection').toEqual([]);
  });

  it('declares what DESIGN.md says: forms (with /me), documents, admin, and the open routes', () => {
    const byPath = (op: string) => declared.get(op);
    expect(byPath('GET /api/v1/forms')).toBe('forms');
    expect(byPath('GET /api/v1/forms/:form')).toBe('forms');
    expect(byPath('GET /api/v1/me')).toBe('forms');
    expect(byPath('GET /api/v1/admin/auth-cache')).toBe('admin');
    expect(byPath('DELETE /api/v1/admin/auth-cache')).toBe('admin');
    for (const [op, protection] of declared) {
      if (op.includes('/documents')) expect(protection, op).toBe('documents');
      const path = op.split(' ')[1]!;
      if (!path.startsWith('/api/v1/')) expect(protection, `${op} is outside the API`).toBe('open');
    }
    for (const op of ['GET /health', 'GET /health/live', 'GET /openapi.json', 'GET /docs']) expect(byPath(op), op).toBe('open');
  });
});

describe('a request the API has no route for', () => {
  let identity: IdentityServer;
  let t: TestApp;
  const TOKEN = 'known-token';
  beforeAll(async () => {
    identity = await startIdentityServer((call) => (call.token === TOKEN ? { status: 200, body: { userId: 'alice', groups: ['admin'] } } : { status: 401 }));
    t = await buildTestApp(DRIVERS[0]!, { authUrl: identity.url, protect: { forms: 'all', documents: 'all' } });
  });
  afterAll(async () => {
    await t?.close();
    await identity?.close();
  });

  const unknown = [
    { method: 'GET', path: '/api/v1/nothing-here' },
    { method: 'GET', path: '/api/v1/forms/notes/documents/0193a0b2-6c1e-7d2a-9f3b-2a1c5e4d3f21/nope' },
    { method: 'PUT', path: '/api/v1/forms' },
    { method: 'POST', path: '/api/v1/me' },
    { method: 'GET', path: '/api/v1/admin/other' },
  ];

  it.each(unknown)('$method $path is a 404 problem without a token under --protect all', async ({ method, path }) => {
    const before = identity.calls.length;
    const problem = await expectProblem(await t.app.request(path, { method }), 404, path);
    expect(problem.detail).toBe(`There is nothing at ${method} ${path}; see /docs for the API.`);
    expect(identity.calls.length, 'the identity service was asked').toBe(before);
  });

  it.each(unknown)('$method $path is a 404 problem with a valid or an invalid token, and no token is checked', async ({ method, path }) => {
    const before = identity.calls.length;
    for (const token of [TOKEN, 'not-a-token']) {
      await expectProblem(await t.app.request(path, { method, headers: { authorization: `Bearer ${token}` } }), 404, path);
    }
    expect(identity.calls.length, 'the identity service was asked').toBe(before);
  });

  it('still guards the routes that exist: no token is a 401 there, the valid token gets through', async () => {
    await expectProblem(await t.app.request('/api/v1/forms'), 401, '/api/v1/forms');
    await expectProblem(await t.app.request('/api/v1/me'), 401, '/api/v1/me');
    const ok = await t.app.request('/api/v1/forms', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
  });

  it('outside the API, the host answers its own 404 problem, also without checking a token', async () => {
    const before = identity.calls.length;
    await expectProblem(await t.app.request('/nothing', { headers: { authorization: 'Bearer not-a-token' } }), 404, '/nothing');
    expect(identity.calls.length).toBe(before);
  });
});
