import { clientSecretId } from '../client-secrets.ts';
import { isKeyLive } from '../directory/edits.ts';
import { clientsOf, type Client, type Directory } from '../directory/schema.ts';
import { verifyNothing, verifySecret } from '../passwords.ts';
import type { VerifiedKeys } from '../verified-keys.ts';

/** The registered OpenID Connect clients: finding one, and checking the secret it authenticates with. */

export interface RegisteredClient extends Client {
  readonly id: string;
}

export function findClient(directory: Directory, id: string): RegisteredClient | undefined {
  const clients = clientsOf(directory);
  return Object.hasOwn(clients, id) ? { id, ...clients[id]! } : undefined;
}

/**
 * The client, when `secret` is one of its live secrets. As for service accounts, every failure costs
 * the same argon2 check, and a secret that passed recently is taken from `verified`.
 */
export async function authenticateClient(directory: Directory, id: string, secret: string, nowMs: number, verified: VerifiedKeys): Promise<RegisteredClient | undefined> {
  const client = findClient(directory, id);
  const secretId = clientSecretId(secret);
  const record = client === undefined || secretId === undefined ? undefined : client.secrets.find((s) => s.id === secretId);
  if (client === undefined || record === undefined || !isKeyLive(record, nowMs)) return verifyNothing(secret).then(() => undefined);
  if (verified.has(record.hash, secret, nowMs)) return client;
  if (!(await verifySecret(record.hash, secret))) return undefined;
  verified.add(record.hash, secret, nowMs);
  return client;
}
