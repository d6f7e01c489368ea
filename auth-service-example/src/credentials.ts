import { apiKeyId } from './api-keys.ts';
import { isKeyLive } from './directory/edits.ts';
import type { Directory } from './directory/schema.ts';
import { verifyNothing, verifySecret } from './passwords.ts';
import { serviceAccountPrincipal, userPrincipal, type Principal } from './principals.ts';
import type { VerifiedKeys } from './verified-keys.ts';

/**
 * Checking a password or an API key against the directory. Every failure looks and takes the same:
 * an unknown name costs a decoy hash check, and the caller learns only "no".
 */

export async function authenticateUser(directory: Directory, name: string, password: string): Promise<Principal | undefined> {
  const principal = userPrincipal(directory, name);
  if (principal === undefined) return verifyNothing(password).then(() => undefined);
  const user = directory.users[name]!;
  // Checked after the hash, so a disabled user's refusal takes as long as anyone else's.
  return (await verifySecret(user.passwordHash, password)) && user.disabled !== true ? principal : undefined;
}

/**
 * Any key of the account that has not expired works (during a rotation's grace period, old and new do).
 * A key that passed the argon2 check recently is taken from `verified` without another.
 */
export async function authenticateServiceAccount(
  directory: Directory,
  name: string,
  key: string,
  nowMs: number,
  verified: VerifiedKeys,
): Promise<Principal | undefined> {
  const principal = serviceAccountPrincipal(directory, name);
  const id = apiKeyId(key);
  const record = principal === undefined || id === undefined ? undefined : directory.serviceAccounts[name]!.keys.find((k) => k.id === id);
  if (record === undefined || !isKeyLive(record, nowMs)) return verifyNothing(key).then(() => undefined);
  if (verified.has(record.hash, key, nowMs)) return principal;
  if (!(await verifySecret(record.hash, key))) return undefined;
  verified.add(record.hash, key, nowMs);
  return principal;
}
