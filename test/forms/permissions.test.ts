import { describe, expect, it } from 'vitest';
import { ANONYMOUS, type Caller } from '../../src/auth/caller.ts';
import {
  PERMISSIONS,
  abilitiesFor,
  abilitiesFrom,
  canActOn,
  canCreate,
  permissionsFor,
  readScope,
  scopeOf,
  type FormDefinition,
  type Permission,
} from '../../src/forms/index.ts';

const user = (userId: string, ...groups: string[]): Caller => ({ kind: 'person', userId, groups, scopes: [] });

const form = (access?: Record<string, Permission[]>): FormDefinition => ({
  name: 'f',
  title: 'F',
  fields: { a: { type: 'text' } },
  ...(access ? { access } : {}),
});

const sorted = (perms: ReadonlySet<Permission>) => [...perms].sort();

const expenses = form({
  '*': ['create', 'read_own', 'update_own', 'delete_own'],
  finance: ['read_all', 'update_all'],
});
const contact = form({ anonymous: ['create'], staff: ['read_all', 'update_all', 'delete_all'] });

describe('permissionsFor', () => {
  it('grants everything to everyone when a form has no access block', () => {
    expect(sorted(permissionsFor(form(), user('u1')))).toEqual([...PERMISSIONS].sort());
    expect(permissionsFor(form(), ANONYMOUS).has('delete_all')).toBe(true);
    expect(canCreate(permissionsFor(form(), ANONYMOUS))).toBe(true);
  });

  it('gives `*` to every identified caller and never to anonymous ones', () => {
    expect(sorted(permissionsFor(expenses, user('u1')))).toEqual(['create', 'delete_own', 'read_own', 'update_own']);
    expect(permissionsFor(expenses, ANONYMOUS).size).toBe(0);
  });

  it('gives `anonymous` to callers without a token and never to identified ones', () => {
    expect(sorted(permissionsFor(contact, ANONYMOUS))).toEqual(['create']);
    expect(permissionsFor(contact, user('u1')).size).toBe(0);
    // A group that happens to be called "anonymous" or "*" does not make an identity anonymous or universal.
    expect(permissionsFor(contact, user('u1', 'anonymous')).size).toBe(0);
    expect(sorted(permissionsFor(expenses, user('u1', '*')))).toEqual(['create', 'delete_own', 'read_own', 'update_own']);
  });

  it('unions the lists of every group the caller is in', () => {
    expect(sorted(permissionsFor(expenses, user('u1', 'finance')))).toEqual([
      'create',
      'delete_own',
      'read_all',
      'read_own',
      'update_all',
      'update_own',
    ]);
    const both = form({ a: ['create'], b: ['read_all'], c: ['delete_all'] });
    expect(sorted(permissionsFor(both, user('u1', 'a', 'b')))).toEqual(['create', 'read_all']);
  });

  it('grants nothing through group names that are Object.prototype members', () => {
    expect(permissionsFor(contact, user('u1', 'constructor', 'toString', '__proto__')).size).toBe(0);
  });

  it('leaves *_own grants out for anonymous callers, who own nothing', () => {
    const defined: FormDefinition = form({ anonymous: ['create', 'read_own', 'update_own'] });
    expect(sorted(permissionsFor(defined, ANONYMOUS))).toEqual(['create']);
    expect(readScope(permissionsFor(form(), ANONYMOUS))).toBe('all');
  });
});

describe('decisions', () => {
  const mine = { createdBy: 'u1' };
  const theirs = { createdBy: 'u2' };
  const anonymousDoc = { createdBy: null };

  it('readScope prefers all over own', () => {
    expect(readScope(new Set<Permission>(['read_own', 'read_all']))).toBe('all');
    expect(readScope(new Set<Permission>(['read_own']))).toBe('own');
    expect(readScope(new Set<Permission>(['update_all', 'create']))).toBe('none');
    expect(scopeOf(new Set<Permission>(['delete_own']), 'delete')).toBe('own');
  });

  it('read_own keeps callers to their own documents', () => {
    const u1 = user('u1');
    const perms = permissionsFor(expenses, u1);
    for (const action of ['read', 'update', 'delete'] as const) {
      expect(canActOn(perms, action, u1, mine)).toBe(true);
      expect(canActOn(perms, action, u1, theirs)).toBe(false);
      expect(canActOn(perms, action, u1, anonymousDoc)).toBe(false);
    }
  });

  it('*_all reaches every document, including anonymous ones', () => {
    const clerk = user('f1', 'finance');
    const perms = permissionsFor(expenses, clerk);
    expect(canActOn(perms, 'read', clerk, theirs)).toBe(true);
    expect(canActOn(perms, 'update', clerk, anonymousDoc)).toBe(true);
    // finance got update_all but not delete_all: only the `*` delete_own applies.
    expect(canActOn(perms, 'delete', clerk, theirs)).toBe(false);
    expect(canActOn(perms, 'delete', clerk, { createdBy: 'f1' })).toBe(true);
  });

  it('anonymous callers own nothing, even documents nobody owns', () => {
    const everything = new Set<Permission>(['read_own', 'update_own', 'delete_own']);
    for (const action of ['read', 'update', 'delete'] as const) {
      expect(canActOn(everything, action, ANONYMOUS, anonymousDoc)).toBe(false);
      expect(canActOn(everything, action, ANONYMOUS, mine)).toBe(false);
    }
    const staff = user('s1', 'staff');
    expect(canActOn(permissionsFor(contact, staff), 'delete', staff, anonymousDoc)).toBe(true);
    expect(canActOn(permissionsFor(contact, ANONYMOUS), 'read', ANONYMOUS, anonymousDoc)).toBe(false);
  });

  it('summarises what a caller may do on a form', () => {
    expect(abilitiesFrom(permissionsFor(expenses, user('u1', 'finance')))).toEqual({
      create: true,
      read: 'all',
      update: 'all',
      delete: 'own',
    });
    expect(abilitiesFrom(permissionsFor(contact, ANONYMOUS))).toEqual({
      create: true,
      read: 'none',
      update: 'none',
      delete: 'none',
    });
  });

  it('reaches no further with update and delete than with read, as the document service acts only on what the caller can read', () => {
    const ledger = form({ '*': ['create', 'read_own', 'update_all'], clerks: ['delete_all'], blind: ['update_all', 'delete_own'] });
    expect(abilitiesFor(ledger, user('u1'))).toEqual({ create: true, read: 'own', update: 'own', delete: 'none' });
    expect(abilitiesFor(ledger, user('c1', 'clerks'))).toEqual({ create: true, read: 'own', update: 'own', delete: 'own' });
    expect(abilitiesFor(form({ blind: ['update_all', 'delete_own'] }), user('b1', 'blind'))).toEqual({
      create: false,
      read: 'none',
      update: 'none',
      delete: 'none',
    });
    expect(abilitiesFor(form({ x: ['read_all', 'update_own'] }), user('x1', 'x'))).toEqual({ create: false, read: 'all', update: 'own', delete: 'none' });
  });
});
