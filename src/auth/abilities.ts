import { abilitiesFor, type FormAbilities, type FormDefinition } from '../forms/index.ts';
import type { Caller } from './caller.ts';
import { domainNeedsToken, type ProtectConfig } from './protection.ts';

/**
 * What a caller may do on a form, as the API will decide it when they try: first the protection table
 * (the auth middleware answers 401 to a caller without a token where one is needed), then the form's
 * `access` (the document service answers 403 or 404). Both halves are the functions those two places call,
 * so `/api/v1/me` and the form routes cannot promise what the requests then refuse.
 */

/** The method of the documents request each ability stands for (restore is a POST, and needs `delete`). */
const METHOD = { create: 'POST', read: 'GET', update: 'PATCH', delete: 'DELETE' } as const;

export function abilitiesOn(form: FormDefinition, caller: Caller, protection: ProtectConfig): FormAbilities {
  const granted = abilitiesFor(form, caller);
  // A caller with a valid token is past the protection table wherever it applies.
  if (caller.kind !== 'anonymous') return granted;
  const open = (action: keyof typeof METHOD): boolean => !domainNeedsToken(protection, 'documents', METHOD[action]);
  return {
    create: granted.create && open('create'),
    read: open('read') ? granted.read : 'none',
    update: open('update') ? granted.update : 'none',
    delete: open('delete') ? granted.delete : 'none',
  };
}
