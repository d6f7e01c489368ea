import { err, ok, type Result } from '../result.ts';
import { graceDeadline, isKeyLive } from './edits.ts';
import { clientsOf, type ApiKeyRecord, type Client, type Directory } from './schema.ts';

/**
 * The CLI's changes to the directory's OpenID Connect clients, as pure functions like edits.ts: a
 * directory in, a new one (or why not) out. A client's secrets rotate as a service account's keys do.
 */

export interface NewClient {
  readonly secret: ApiKeyRecord;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
}

const noClient = (name: string) => `there is no client named ${name}; create it with "clients create ${name} --redirect-uri URI"`;

export function withClient(directory: Directory, name: string, client: NewClient, options: { replace: boolean }): Result<Directory, string> {
  const clients = clientsOf(directory);
  if (Object.hasOwn(clients, name) && !options.replace) {
    return err(`a client named ${name} already exists; pass --force to replace it, or "clients rotate ${name} --grace DURATION" for a new secret`);
  }
  const entry: Client = {
    secrets: [client.secret],
    redirectUris: [...client.redirectUris],
    ...(client.postLogoutRedirectUris.length === 0 ? {} : { postLogoutRedirectUris: [...client.postLogoutRedirectUris] }),
  };
  return ok({ ...directory, clients: { ...clients, [name]: entry } });
}

/** Adds `secret`; every older one now expires `graceS` from now, or keeps an earlier expiry it already had. */
export function withRotatedClientSecret(directory: Directory, name: string, secret: ApiKeyRecord, graceS: number, nowMs: number): Result<Directory, string> {
  const clients = clientsOf(directory);
  const client = clients[name];
  if (client === undefined || !Object.hasOwn(clients, name)) return err(noClient(name));
  const deadline = graceDeadline(nowMs, graceS);
  const deadlineMs = Date.parse(deadline);
  const older = client.secrets.map((s): ApiKeyRecord => {
    const current = s.expiresAt === undefined ? Infinity : Date.parse(s.expiresAt);
    return current <= deadlineMs ? s : { ...s, expiresAt: deadline };
  });
  return ok({ ...directory, clients: { ...clients, [name]: { ...client, secrets: [...older, secret] } } });
}

export function withoutClient(directory: Directory, name: string): Result<Directory, string> {
  const clients = clientsOf(directory);
  if (!Object.hasOwn(clients, name)) return err(noClient(name));
  const { [name]: _removed, ...rest } = clients;
  return ok({ ...directory, clients: rest });
}
