import type { Identity } from './identity.ts';

/**
 * Who is making a request: anonymous (no token), or the person or machine client an identity service
 * vouched for, with the groups and scopes it reported. One `kind` tells the three apart, so a check for
 * "has a token" is `kind !== 'anonymous'` and never forgets the clients.
 */
export type Caller = { kind: 'anonymous' } | Identity;

export const ANONYMOUS: Caller = Object.freeze({ kind: 'anonymous' });

export function userCaller(identity: Identity): Caller {
  return identity;
}

/** The id recorded as a document's creator or editor; anonymous callers leave it empty. */
export function callerId(caller: Caller): string | null {
  return caller.kind === 'anonymous' ? null : caller.userId;
}
