import { generateClientSecret } from '../client-secrets.ts';
import { resolveUsersPath } from '../config.ts';
import { withClient, withoutClient, withRotatedClientSecret } from '../directory/client-edits.ts';
import { graceDeadline, isKeyLive, isoSeconds, withoutExpiredKeys } from '../directory/edits.ts';
import { editDirectoryFile, readDirectoryFile } from '../directory/file.ts';
import { clientsOf, isRedirectUri, type ApiKeyRecord, type Directory } from '../directory/schema.ts';
import { formatDuration } from '../duration.ts';
import { hashSecret } from '../passwords.ts';
import { ok, type Result } from '../result.ts';
import { checkName, parseGrace } from './arguments.ts';
import { fromConfigError, fromDirectoryError, usage, type CommandFailure } from './failure.ts';

/** `clients create|rotate|list|remove`: the OpenID Connect clients of the directory. Secrets are printed once, stored as hashes. */

interface Common {
  readonly flags: Record<string, unknown>;
  readonly env: Record<string, string | undefined>;
}

export interface SecretOutcome {
  readonly secret: string;
  readonly note: string;
}


/** Every edit also drops expired secrets and keys, so rotated-out hashes leave the file at the next change. */
const pruned = (directory: Directory, nowMs: number) => withoutExpiredKeys(directory, nowMs);

export async function createClient(
  args: Common & { readonly name: string; readonly redirectUris: readonly string[]; readonly postLogoutRedirectUris: readonly string[]; readonly force: boolean },
  now: () => number = Date.now,
): Promise<Result<SecretOutcome, CommandFailure>> {
  const path = resolveUsersPath(args);
  if (!path.ok) return fromConfigError(path.error);
  const name = checkName(args.name, 'the client name');
  if (!name.ok) return usage(name.error);
  if (args.redirectUris.length === 0) return usage('--redirect-uri: give at least one, e.g. --redirect-uri http://127.0.0.1:8080/auth/callback');
  const badUri = [...args.redirectUris, ...args.postLogoutRedirectUris].find((u) => !isRedirectUri(u));
  if (badUri !== undefined) return usage(`${JSON.stringify(badUri.slice(0, 120))} is not an absolute http:// or https:// URI without a fragment`);

  const edited = await editDirectoryFile(path.value, async (directory) => {
    const nowMs = now();
    const { secret, record } = await newSecret([], nowMs);
    const client = { secret: record, redirectUris: unique(args.redirectUris), postLogoutRedirectUris: unique(args.postLogoutRedirectUris) };
    const next = withClient(pruned(directory, nowMs), name.value, client, { replace: args.force });
    return next.ok ? ok({ directory: next.value, value: { secret, replaced: Object.hasOwn(clientsOf(directory), name.value) } }) : next;
  });
  if (!edited.ok) return fromDirectoryError(edited.error);
  const verb = edited.value.replaced ? 'replaced' : 'created';
  return ok({ secret: edited.value.secret, note: `${verb} client ${name.value} in ${path.value}; its secret is shown once, above: store it now, only its hash is kept` });
}

export async function rotateClient(args: Common & { readonly name: string; readonly grace: string }, now: () => number = Date.now): Promise<Result<SecretOutcome, CommandFailure>> {
  const path = resolveUsersPath(args);
  if (!path.ok) return fromConfigError(path.error);
  const name = checkName(args.name, 'the client name');
  if (!name.ok) return usage(name.error);
  const grace = parseGrace(args.grace);
  if (!grace.ok) return usage(grace.error);

  const edited = await editDirectoryFile(path.value, async (directory) => {
    const nowMs = now();
    const existing = Object.hasOwn(clientsOf(directory), name.value) ? clientsOf(directory)[name.value]!.secrets : [];
    const { secret, record } = await newSecret(existing, nowMs);
    // Pruned after rotating, so secrets that expire this instant (a grace of 0) leave the file at once.
    const next = withRotatedClientSecret(directory, name.value, record, grace.value, nowMs);
    return next.ok ? ok({ directory: pruned(next.value, nowMs), value: { secret, until: graceDeadline(nowMs, grace.value) } }) : next;
  });
  if (!edited.ok) return fromDirectoryError(edited.error);
  const older = grace.value === 0 ? 'older secrets stopped working now' : `older secrets keep working until ${edited.value.until} (${formatDuration(grace.value)})`;
  return ok({ secret: edited.value.secret, note: `new secret for client ${name.value} shown once, above; ${older}` });
}

export async function removeClient(args: Common & { readonly name: string }, now: () => number = Date.now): Promise<Result<string, CommandFailure>> {
  const path = resolveUsersPath(args);
  if (!path.ok) return fromConfigError(path.error);
  const edited = await editDirectoryFile(path.value, async (directory) => {
    const next = withoutClient(pruned(directory, now()), args.name);
    return next.ok ? ok({ directory: next.value, value: undefined }) : next;
  });
  if (!edited.ok) return fromDirectoryError(edited.error);
  return ok(`removed client ${args.name} from ${path.value}; its sign-ins can no longer be refreshed`);
}

/** One line per client for stdout (no secret, no hash), and a note for stderr. */
export async function listClients(args: Common, now: () => number = Date.now): Promise<Result<{ lines: string[]; note: string }, CommandFailure>> {
  const path = resolveUsersPath(args);
  if (!path.ok) return fromConfigError(path.error);
  const read = await readDirectoryFile(path.value);
  if (!read.ok) return fromDirectoryError(read.error);
  const nowMs = now();
  const lines = Object.entries(clientsOf(read.value)).map(([name, client]) => {
    const live = client.secrets.filter((s) => isKeyLive(s, nowMs));
    const expiring = live.filter((s) => s.expiresAt !== undefined).map((s) => s.expiresAt);
    const secrets = `${live.length} live secret${live.length === 1 ? '' : 's'}${expiring.length === 0 ? '' : ` (until ${expiring.join(', ')} for ${expiring.length})`}`;
    const logout = client.postLogoutRedirectUris?.length ? `  post-logout ${client.postLogoutRedirectUris.join(' ')}` : '';
    return `${name}  ${secrets}  redirect ${client.redirectUris.join(' ')}${logout}`;
  });
  return ok({ lines, note: `${lines.length} client${lines.length === 1 ? '' : 's'} in ${path.value}` });
}

async function newSecret(existing: readonly ApiKeyRecord[], nowMs: number): Promise<{ secret: string; record: ApiKeyRecord }> {
  const taken = new Set(existing.map((s) => s.id));
  let made = generateClientSecret();
  // Eight hex digits collide about once in four billion; one client's ids must still differ.
  while (taken.has(made.id)) made = generateClientSecret();
  return { secret: made.secret, record: { id: made.id, hash: await hashSecret(made.secret), createdAt: isoSeconds(nowMs) } };
}

const unique = (values: readonly string[]) => [...new Set(values)];
