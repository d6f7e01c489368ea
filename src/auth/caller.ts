/**
 * Who is making a request. Until an identity service vouches for a token, every caller is anonymous;
 * an identified caller carries the groups its identity service reported.
 */
export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'user'; userId: string; name?: string; email?: string; groups: readonly string[] };

export const ANONYMOUS: Caller = Object.freeze({ kind: 'anonymous' });

/** The id recorded as a document's creator or editor; anonymous callers leave it empty. */
export function callerId(caller: Caller): string | null {
  return caller.kind === 'user' ? caller.userId : null;
}
