import { err, ok, type Result } from '../result.ts';
import type { ApiKeyRecord, Directory, ServiceAccount, User } from './schema.ts';

/**
 * The changes the CLI makes to a directory, as pure functions: a directory in, a new directory (or the
 * reason the change is refused) out. Hashing happens before, writing after, both elsewhere.
 */

export const userTaken = (name: string) => `a user named ${name} already exists; pass --force to replace it`;

export function withUser(directory: Directory, name: string, user: User, options: { replace: boolean }): Result<Directory, string> {
  if (Object.hasOwn(directory.users, name) && !options.replace) return err(userTaken(name));
  return ok({ ...directory, users: { ...directory.users, [name]: user } });
}

export function withNewServiceAccount(directory: Directory, name: string, account: { groups: string[]; key: ApiKeyRecord }): Result<Directory, string> {
  if (Object.hasOwn(directory.serviceAccounts, name)) {
    return err(`a service account named ${name} already exists; use "service-accounts rotate ${name} --grace DURATION" for a new key`);
  }
  const created: ServiceAccount = { groups: account.groups, keys: [account.key] };
  return ok({ ...directory, serviceAccounts: { ...directory.serviceAccounts, [name]: created } });
}

/**
 * Adds `key` to the account; every older key now expires `graceS` seconds from now (0: at once). A key
 * that was already due to expire sooner keeps its earlier date: rotating never extends a key's life.
 */
export function withRotatedKey(directory: Directory, name: string, key: ApiKeyRecord, graceS: number, nowMs: number): Result<Directory, string> {
  const account = directory.serviceAccounts[name];
  if (account === undefined || !Object.hasOwn(directory.serviceAccounts, name)) {
    return err(`there is no service account named ${name}; create it with "service-accounts create ${name} --groups ..."`);
  }
  const deadline = graceDeadline(nowMs, graceS);
  const deadlineMs = Date.parse(deadline);
  const older = account.keys.map((k): ApiKeyRecord => {
    const current = k.expiresAt === undefined ? Infinity : Date.parse(k.expiresAt);
    return current <= deadlineMs ? k : { ...k, expiresAt: deadline };
  });
  return ok({ ...directory, serviceAccounts: { ...directory.serviceAccounts, [name]: { ...account, keys: [...older, key] } } });
}

/** Drops API keys and client secrets that have expired, so rotated-out hashes do not pile up in the file. */
export function withoutExpiredKeys(directory: Directory, nowMs: number): Directory {
  const serviceAccounts = Object.fromEntries(
    Object.entries(directory.serviceAccounts).map(([name, account]) => [name, { ...account, keys: account.keys.filter((k) => isKeyLive(k, nowMs)) }]),
  );
  if (directory.clients === undefined) return { ...directory, serviceAccounts };
  const clients = Object.fromEntries(Object.entries(directory.clients).map(([name, c]) => [name, { ...c, secrets: c.secrets.filter((k) => isKeyLive(k, nowMs)) }]));
  return { ...directory, serviceAccounts, clients };
}

export function isKeyLive(key: ApiKeyRecord, nowMs: number): boolean {
  return key.expiresAt === undefined || Date.parse(key.expiresAt) > nowMs;
}

/** `2026-11-24T08:00:00Z`: what people expect to read in the file (no milliseconds), for a moment that has passed. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * When keys rotated out at `nowMs` stop working, as the file says it. A grace period is rounded up to
 * the whole second, since cutting the milliseconds must never shorten it; a grace of 0 means now.
 */
export function graceDeadline(nowMs: number, graceS: number): string {
  return graceS === 0 ? isoSeconds(nowMs) : isoSeconds(Math.ceil((nowMs + graceS * 1000) / 1000) * 1000);
}
