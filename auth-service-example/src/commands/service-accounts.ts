import { generateApiKey, type NewApiKey } from '../api-keys.ts';
import { resolveUsersPath } from '../config.ts';
import { graceDeadline, isoSeconds, withNewServiceAccount, withoutExpiredKeys, withRotatedKey } from '../directory/edits.ts';
import { editDirectoryFile } from '../directory/file.ts';
import type { ApiKeyRecord, Directory } from '../directory/schema.ts';
import { formatDuration } from '../duration.ts';
import { hashSecret } from '../passwords.ts';
import { ok, type Result } from '../result.ts';
import { checkName, parseGrace, parseGroups } from './arguments.ts';
import { fromConfigError, fromDirectoryError, usage, type CommandFailure } from './failure.ts';

/** What a command that made a key hands back: the key, for stdout only, and a note for people. */
export interface KeyOutcome {
  readonly key: string;
  readonly note: string;
}

interface Common {
  readonly flags: Record<string, unknown>;
  readonly env: Record<string, string | undefined>;
  readonly name: string;
}


/** `service-accounts create NAME --groups a,b`: a new account with one API key, stored as a hash. */
export async function createServiceAccount(args: Common & { readonly groups: string }, now: () => number = Date.now): Promise<Result<KeyOutcome, CommandFailure>> {
  const path = resolveUsersPath(args);
  if (!path.ok) return fromConfigError(path.error);
  const name = checkName(args.name, 'the service account name');
  if (!name.ok) return usage(name.error);
  const groups = parseGroups(args.groups);
  if (!groups.ok) return usage(groups.error);

  const edited = await editDirectoryFile(path.value, async (directory) => {
    const { apiKey, record } = await newKey(directory, name.value, now());
    const next = withNewServiceAccount(withoutExpiredKeys(directory, now()), name.value, { groups: groups.value, key: record });
    return next.ok ? ok({ directory: next.value, value: apiKey.key }) : next;
  });
  if (!edited.ok) return fromDirectoryError(edited.error);
  return ok({
    key: edited.value,
    note: `created service account ${name.value} in ${path.value}; its API key is shown once, above: store it now, only its hash is kept`,
  });
}

/** `service-accounts rotate NAME --grace DURATION`: a new key; the older ones stop working after the grace period. */
export async function rotateServiceAccount(args: Common & { readonly grace: string }, now: () => number = Date.now): Promise<Result<KeyOutcome, CommandFailure>> {
  const path = resolveUsersPath(args);
  if (!path.ok) return fromConfigError(path.error);
  const name = checkName(args.name, 'the service account name');
  if (!name.ok) return usage(name.error);
  const grace = parseGrace(args.grace);
  if (!grace.ok) return usage(grace.error);

  const edited = await editDirectoryFile(path.value, async (directory) => {
    const nowMs = now();
    const { apiKey, record } = await newKey(directory, name.value, nowMs);
    // Pruned after rotating, so keys that expire this instant (a grace of 0) leave the file at once.
    const next = withRotatedKey(directory, name.value, record, grace.value, nowMs);
    return next.ok ? ok({ directory: withoutExpiredKeys(next.value, nowMs), value: { key: apiKey.key, expiresAt: graceDeadline(nowMs, grace.value) } }) : next;
  });
  if (!edited.ok) return fromDirectoryError(edited.error);
  const older = grace.value === 0 ? 'older keys stopped working now' : `older keys keep working until ${edited.value.expiresAt} (${formatDuration(grace.value)})`;
  return ok({ key: edited.value.key, note: `new API key for ${name.value} shown once, above; ${older}` });
}

async function newKey(directory: Directory, account: string, nowMs: number): Promise<{ apiKey: NewApiKey; record: ApiKeyRecord }> {
  const existing = Object.hasOwn(directory.serviceAccounts, account) ? directory.serviceAccounts[account]!.keys : [];
  const taken = new Set(existing.map((k) => k.id));
  let apiKey = generateApiKey();
  // Eight hex digits collide about once in four billion keys; the account's own ids must still differ.
  while (taken.has(apiKey.id)) apiKey = generateApiKey();
  return { apiKey, record: { id: apiKey.id, hash: await hashSecret(apiKey.key), createdAt: isoSeconds(nowMs) } };
}
