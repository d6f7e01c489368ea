import type { Caller } from '../auth/caller.ts';
import type { FormDefinition } from './definition.ts';
import { ANONYMOUS_GROUP, ANY_IDENTIFIED_GROUP, PERMISSIONS, type Permission } from './grants.ts';

export type DocumentAction = 'read' | 'update' | 'delete';
export type Scope = 'all' | 'own' | 'none';

/** What a caller may do on one form, in the shape GET /api/v1/me reports it. */
export interface FormAbilities {
  create: boolean;
  read: Scope;
  update: Scope;
  delete: Scope;
}

/** Anonymous callers own no document, so `*_own` grants could never be exercised by them. */
const OWN_PERMISSIONS: ReadonlySet<Permission> = new Set(['read_own', 'update_own', 'delete_own']);

/**
 * The union of the grants of every access-list entry that applies to the caller. `*_own` grants are
 * left out for anonymous callers: a list holding only `read_own` would otherwise make `readScope` say
 * "own" to someone who owns nothing, inviting a `createdBy IS NULL` query over other people's documents.
 */
export function permissionsFor(form: FormDefinition, caller: Caller): ReadonlySet<Permission> {
  const access = form.access;
  const granted = new Set<Permission>();
  const grant = (group: string): void => {
    // Own-property lookup only: a group called "constructor" must not reach Object.prototype.
    if (access && Object.hasOwn(access, group)) for (const p of access[group] ?? []) granted.add(p);
  };

  if (!access) {
    for (const p of PERMISSIONS) granted.add(p);
  } else if (caller.kind === 'anonymous') {
    grant(ANONYMOUS_GROUP);
  } else {
    grant(ANY_IDENTIFIED_GROUP);
    for (const group of caller.groups) {
      if (group !== ANY_IDENTIFIED_GROUP && group !== ANONYMOUS_GROUP) grant(group);
    }
  }

  if (caller.kind === 'anonymous') for (const p of OWN_PERMISSIONS) granted.delete(p);
  return granted;
}

export function canCreate(perms: ReadonlySet<Permission>): boolean {
  return perms.has('create');
}

export function scopeOf(perms: ReadonlySet<Permission>, action: DocumentAction): Scope {
  if (perms.has(`${action}_all`)) return 'all';
  if (perms.has(`${action}_own`)) return 'own';
  return 'none';
}

export function readScope(perms: ReadonlySet<Permission>): Scope {
  return scopeOf(perms, 'read');
}

/** Ownership is decided here, not from the set alone, so an anonymous caller never owns a document even if handed `*_own`. */
export function canActOn(
  perms: ReadonlySet<Permission>,
  action: DocumentAction,
  caller: Caller,
  doc: { createdBy: string | null },
): boolean {
  return reaches(scopeOf(perms, action), caller, doc);
}

/** Whether a scope covers this document for this caller. */
export function reaches(scope: Scope, caller: Caller, doc: { createdBy: string | null }): boolean {
  switch (scope) {
    case 'all':
      return true;
    case 'own':
      return caller.kind !== 'anonymous' && doc.createdBy !== null && doc.createdBy === caller.userId;
    case 'none':
      return false;
  }
}

const BREADTH: Readonly<Record<Scope, number>> = { none: 0, own: 1, all: 2 };

function narrower(a: Scope, b: Scope): Scope {
  return BREADTH[a] <= BREADTH[b] ? a : b;
}

/**
 * What the grants let a caller do, as the document service decides it. Changing or deleting a document
 * needs reading it first, so `update` and `delete` reach no further than `read`: `update_all` with only
 * `read_own` changes one's own documents, and without any read grant nothing.
 */
export function abilitiesFrom(perms: ReadonlySet<Permission>): FormAbilities {
  const read = scopeOf(perms, 'read');
  return {
    create: canCreate(perms),
    read,
    update: narrower(scopeOf(perms, 'update'), read),
    delete: narrower(scopeOf(perms, 'delete'), read),
  };
}

/** What a caller may do on a form by its `access` alone; the protection level is the other half (auth/abilities.ts). */
export function abilitiesFor(form: FormDefinition, caller: Caller): FormAbilities {
  return abilitiesFrom(permissionsFor(form, caller));
}
