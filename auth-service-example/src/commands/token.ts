import { resolveTokenCommandConfig } from '../config.ts';
import { readDirectoryFile } from '../directory/file.ts';
import type { Directory } from '../directory/schema.ts';
import { loadOrCreateSigningKey } from '../keys.ts';
import { SERVICE_ACCOUNT_PREFIX, serviceAccountPrincipal, userPrincipal, type Principal } from '../principals.ts';
import { ok, type Result } from '../result.ts';
import { issueAccessToken } from '../tokens.ts';
import { fromConfigError, fromDirectoryError, runtime, usage, type CommandFailure } from './failure.ts';

export interface TokenArgs {
  readonly flags: Record<string, unknown>;
  readonly env: Record<string, string | undefined>;
  /** A user (first) or a service account; `service-account:NAME` always means the account. */
  readonly name: string;
}

/**
 * `token NAME`: for local development, signs a token with the key file, as the server would after a
 * successful login. Whoever can read the key file can do this; that is the point of keeping it 0600.
 */
export async function signToken(args: TokenArgs, now: () => number = Date.now): Promise<Result<{ token: string; note: string }, CommandFailure>> {
  const config = resolveTokenCommandConfig(args);
  if (!config.ok) return fromConfigError(config.error);
  const { usersPath, keyFile, ttlS, issuer } = config.value;
  const directory = await readDirectoryFile(usersPath);
  if (!directory.ok) return fromDirectoryError(directory.error);

  const principal = pick(directory.value, args.name);
  if (!principal.ok) return principal;
  const signing = await loadOrCreateSigningKey(keyFile);
  if (!signing.ok) return signing.error.kind === 'corrupt' ? usage(signing.error.message) : runtime(signing.error.message);

  const issued = await issueAccessToken({ key: signing.value.key, issuer, ttlS }, principal.value, principal.value.scopes, now());
  const created = signing.value.created ? ` (created the key file ${keyFile})` : '';
  return ok({ token: issued.token, note: `token for ${principal.value.subject}, valid ${ttlS} s, issuer ${issuer}${created}` });
}

function pick(directory: Directory, name: string): Result<Principal, CommandFailure> {
  if (name.startsWith(SERVICE_ACCOUNT_PREFIX)) {
    const account = serviceAccountPrincipal(directory, name.slice(SERVICE_ACCOUNT_PREFIX.length));
    return account === undefined ? usage(`there is no service account named ${name.slice(SERVICE_ACCOUNT_PREFIX.length)}`) : ok(account);
  }
  // A user and a service account may share a name: the plain name is the user, the prefix picks the account.
  const found = userPrincipal(directory, name) ?? serviceAccountPrincipal(directory, name);
  return found === undefined ? usage(`there is no user or service account named ${name}`) : ok(found);
}
