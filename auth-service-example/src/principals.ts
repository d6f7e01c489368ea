import type { Directory } from './directory/schema.ts';

/**
 * Who a token is about: a user or a service account of the directory, as the endpoints describe them.
 * The subject (`sub`) is the user's name, or `service-account:NAME`; names cannot contain `:`, so the
 * two kinds can never be confused.
 */

export const SERVICE_ACCOUNT_PREFIX = 'service-account:';

export interface Principal {
  readonly kind: 'user' | 'service-account';
  /** The name in the directory (`alice`, `importer`). */
  readonly name: string;
  /** The token's `sub`. */
  readonly subject: string;
  readonly displayName?: string;
  readonly email?: string;
  readonly groups: readonly string[];
  /** The scopes the principal may be granted (none unless the directory lists some). */
  readonly scopes: readonly string[];
}

export function userPrincipal(directory: Directory, name: string): Principal | undefined {
  if (!Object.hasOwn(directory.users, name)) return undefined;
  const user = directory.users[name]!;
  return {
    kind: 'user',
    name,
    subject: name,
    ...(user.displayName === undefined ? {} : { displayName: user.displayName }),
    ...(user.email === undefined ? {} : { email: user.email }),
    groups: user.groups,
    scopes: user.scopes ?? [],
  };
}

export function serviceAccountPrincipal(directory: Directory, name: string): Principal | undefined {
  if (!Object.hasOwn(directory.serviceAccounts, name)) return undefined;
  const account = directory.serviceAccounts[name]!;
  return { kind: 'service-account', name, subject: SERVICE_ACCOUNT_PREFIX + name, groups: account.groups, scopes: account.scopes ?? [] };
}

/** The principal a token's subject names, as the directory describes it now; undefined once it is gone. */
export function principalForSubject(directory: Directory, subject: string): Principal | undefined {
  if (subject.startsWith(SERVICE_ACCOUNT_PREFIX)) return serviceAccountPrincipal(directory, subject.slice(SERVICE_ACCOUNT_PREFIX.length));
  return userPrincipal(directory, subject);
}
