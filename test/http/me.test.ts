import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { ProtectConfig, ProtectionLevel } from '../../src/auth/protection.ts';
import type { Database } from '../../src/db/connect.ts';
import { parseFormsFile, type FormRegistry } from '../../src/forms/index.ts';
import { buildTestApp, type Abilities, type Scope, type TestApp } from '../support/app.ts';
import { DRIVERS, openMigratedDatabase } from '../support/databases.ts';
import { startIdentityServer, type IdentityServer } from '../support/identity-server.ts';

/**
 * What `may` promises (GET /api/v1/me, GET /api/v1/forms, GET /api/v1/forms/{form}) against what the API
 * then does, by trying it: for every protection level, every kind of caller and every action, on forms
 * whose rules cover each case (no rules, anonymous drop box, own documents, update wider than read, …).
 * Each try gets fresh documents, written by an unrelated user and, for callers with a token, by the caller.
 */


const ALL_GRANTS = ['create', 'read_all', 'update_all', 'delete_all'];
const FORMS: Record<string, Record<string, string[]> | undefined> = {
  open: undefined,
  'drop-box': { anonymous: ['create'], staff: ['read_all'] },
  private: { '*': ['create', 'read_own', 'update_own', 'delete_own'], reviewers: ['read_all'], editors: ALL_GRANTS.slice(1) },
  board: { anonymous: ['read_all'], '*': ['create', 'read_all', 'update_own'] },
  // Acting on a document needs reading it: update_all with read_own reaches one's own documents only.
  ledger: { '*': ['create', 'read_own', 'update_all'], clerks: ['delete_all'] },
  locked: { staff: ['update_all'] },
};
const GROUP_NAMES = ['staff', 'reviewers', 'editors', 'clerks'];

function registry(withAccess: boolean): FormRegistry {
  const forms = Object.fromEntries(
    Object.entries(FORMS).map(([name, access]) => [
      name,
      { title: name, fields: { title: { type: 'text', required: true } }, ...(withAccess && access ? { access } : {}) },
    ]),
  );
  const parsed = parseFormsFile(stringify({ forms }), 'me.test.yaml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  return parsed.value;
}

// token → what the identity service says about it; an unknown token is rejected.
const USERS: Record<string, { userId: string; groups: string[] }> = {
  'tok-bob': { userId: 'bob', groups: [] },
  'tok-sam': { userId: 'sam', groups: ['staff'] },
  'tok-rita': { userId: 'rita', groups: ['reviewers'] },
  'tok-ed': { userId: 'ed', groups: ['editors'] },
  'tok-cleo': { userId: 'cleo', groups: ['clerks'] },
  'tok-zoe': { userId: 'zoe', groups: [] },
};
/** The callers tried: no token, and tokens in none, one or another of the forms' groups. */
const CALLERS: { who: string; token?: string }[] = [
  { who: 'anonymous' },
  ...['bob', 'sam', 'rita', 'ed', 'cleo'].map((name) => ({ who: name, token: `tok-${name}` })),
];
const OTHER = 'tok-zoe';

const LEVELS: ProtectionLevel[] = ['all', 'writes', 'none'];
const PROTECTIONS: ProtectConfig[] = LEVELS.flatMap((forms) => LEVELS.map((documents) => ({ forms, documents })));

let identity: IdentityServer;
let database: Database;
let seeder: TestApp;
const apps: TestApp[] = [];

beforeAll(async () => {
  identity = await startIdentityServer((call) => {
    const user = USERS[call.token ?? ''];
    return user ? { status: 200, body: user } : { status: 401 };
  });
  database = await openMigratedDatabase(DRIVERS[0]!);
  // Writes the documents each try starts from: same forms and database, no rules, no protection.
  seeder = await buildTestApp(DRIVERS[0]!, { database, forms: registry(false), authUrl: identity.url });
});

afterAll(async () => {
  await Promise.all([seeder, ...apps].map((t) => t?.close()));
  await database?.close();
  await identity?.close();
});

async function request(t: TestApp, method: string, path: string, token?: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return t.app.request(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
}

async function seed(form: string, token: string): Promise<string> {
  const res = await request(seeder, 'POST', `/api/v1/forms/${form}/documents`, token, { title: 'seed' });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** What the API does: each action tried on someone else's document first, then on the caller's own. */
async function observe(t: TestApp, form: string, token: string | undefined, unexpected: string[]): Promise<Abilities> {
  const base = `/api/v1/forms/${form}/documents`;
  const theirs = await seed(form, OTHER);
  const mine = token === undefined ? undefined : await seed(form, token);
  const attempt = async (method: string, path: string, ok: number, body?: unknown): Promise<boolean> => {
    const res = await request(t, method, path, token, body);
    // A refusal is 401 (protection), 403 (the form's rules) or 404 (a document the caller may not see).
    if (res.status !== ok && ![401, 403, 404].includes(res.status)) unexpected.push(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === ok;
  };
  const scope = async (method: string, ok: number, body?: unknown): Promise<Scope> => {
    if (await attempt(method, `${base}/${theirs}`, ok, body)) return 'all';
    if (mine !== undefined && (await attempt(method, `${base}/${mine}`, ok, body))) return 'own';
    return 'none';
  };
  const create = await attempt('POST', base, 201, { title: 'tried' });
  const read = await scope('GET', 200);
  // The list agrees with reading by id: refused exactly when the caller may read nothing.
  if ((await attempt('GET', base, 200)) !== (read !== 'none')) unexpected.push(`GET ${base} disagrees with reading by id (${read})`);
  const update = await scope('PATCH', 200, { title: 'changed' });
  const remove = await scope('DELETE', 204);
  return { create, read, update, delete: remove };
}

describe('may is what the API does', () => {
  it.each(PROTECTIONS)('forms=$forms documents=$documents', { timeout: 120_000 }, async (protect) => {
    const t = await buildTestApp(DRIVERS[0]!, { database, forms: registry(true), authUrl: identity.url, protect });
    apps.push(t);
    const mismatches: string[] = [];
    const unexpected: string[] = [];
    for (const { who, token } of CALLERS) {
      const me = await request(t, 'GET', '/api/v1/me', token);
      if (token === undefined && protect.forms === 'all') {
        // Nothing is promised to a caller who may not ask; the form routes are closed to them alike.
        expect(me.status).toBe(401);
        expect((await request(t, 'GET', '/api/v1/forms')).status).toBe(401);
        expect((await request(t, 'GET', '/api/v1/forms/open')).status).toBe(401);
        continue;
      }
      expect(me.status).toBe(200);
      expect(me.headers.get('vary')).toMatch(/authorization/i);
      const promised = Object.fromEntries(((await me.json()) as { forms: { name: string; may: Abilities }[] }).forms.map((f) => [f.name, f.may]));
      const listed = Object.fromEntries(
        ((await (await request(t, 'GET', '/api/v1/forms', token)).json()) as { items: { name: string; may: Abilities }[] }).items.map((f) => [f.name, f.may]),
      );
      expect(listed, `GET /api/v1/forms for ${who}`).toEqual(promised);
      for (const form of Object.keys(FORMS)) {
        const detail = await request(t, 'GET', `/api/v1/forms/${form}`, token);
        expect(detail.headers.get('vary')).toMatch(/authorization/i);
        const text = await detail.text();
        const shown = JSON.parse(text) as { may: Abilities };
        expect(shown, `GET /api/v1/forms/${form} for ${who}`).not.toHaveProperty('access');
        for (const group of GROUP_NAMES) expect(text, `GET /api/v1/forms/${form} for ${who}`).not.toContain(group);
        expect(shown.may, `GET /api/v1/forms/${form} for ${who}`).toEqual(promised[form]);

        const done = await observe(t, form, token, unexpected);
        for (const action of ['create', 'read', 'update', 'delete'] as const) {
          if (done[action] !== promised[form]![action]) {
            mismatches.push(`${who} on ${form}: ${action} is ${String(promised[form]![action])} in /me, the API did ${String(done[action])}`);
          }
        }
      }
    }
    expect(unexpected).toEqual([]);
    expect(mismatches).toEqual([]);
  });
});
