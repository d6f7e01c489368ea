import type { Identity } from './identity.ts';

/**
 * Who is making a request: anonymous (no token), or a user an identity service vouched for, with the
 * groups and scopes it reported.
 */
export type Caller = { kind: 'anonymous' } | ({ kind: 'user' } & Identity);

export const ANONYMOUS: Caller = Object.freeze({ kind: 'anonymous' });

export function userCaller(identity: Identity): Caller {
  return { kind: 'user', ...identity };
}

/** The id recorded as a document's creator or editor; anonymous callers leave it empty. */
export function callerId(caller: Caller): string | null {
  return caller.kind === 'user' ? caller.userId : null;
}
