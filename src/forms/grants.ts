/** What an access list can grant, and the group names with a fixed meaning: the words a forms file uses. */

export const PERMISSIONS = [
  'create',
  'read_own',
  'read_all',
  'update_own',
  'update_all',
  'delete_own',
  'delete_all',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

/** Access-list keys with a fixed meaning; an identity service cannot put a caller into them. */
export const ANY_IDENTIFIED_GROUP = '*';
export const ANONYMOUS_GROUP = 'anonymous';

const ALL_PERMISSIONS: ReadonlySet<Permission> = new Set(PERMISSIONS);

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (ALL_PERMISSIONS as ReadonlySet<string>).has(value);
}
