import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Database } from '../../db/database.ts';
import type { IdentityClient } from '../identity-client.ts';
import type { RevocationList } from '../revocation-list.ts';
import type { AuthConfig } from '../settings.ts';
import { createRevocationChannel } from './channel.ts';
import { createRevocationService, type RevocationService } from './service.ts';
import { revocationStore } from './store.ts';

export type { RevocationService, RevocationStats, RevokeOutcome, RevocationError } from './service.ts';

export interface RevocationsOptions {
  readonly auth: AuthConfig;
  readonly database: Database;
  readonly client: IdentityClient;
  /** The list the identity client consults: the one it was built with. */
  readonly list: RevocationList;
  readonly logger: Logger;
  readonly now?: () => number;
}

export interface Revocations {
  readonly service: RevocationService;
  /** This replica's id on the channel, in its log lines and `application_name`. */
  readonly replicaId: string;
  stop(): Promise<void>;
}

/**
 * Revocation for one replica: the channel listening (and the kept jwt revocations loaded) before it
 * returns, so before the server takes a request. A database that is down is retried, never thrown.
 */
export async function startRevocations(options: RevocationsOptions): Promise<Revocations> {
  const { auth, database, client, list, logger } = options;
  const now = options.now ?? Date.now;
  const replicaId = randomBytes(6).toString('hex');
  const local = { cache: client, list, holds: auth.protocol === 'jwt' && auth.jwt !== undefined };
  const store = revocationStore(database.db);
  const channel = createRevocationChannel({ notifications: database.notifications, local, store, replicaId, logger, now });
  const lifetime = auth.jwt && { maxMs: auth.jwt.maxTokenLifetimeS * 1000, toleranceMs: auth.jwt.clockToleranceS * 1000 };
  const service = createRevocationService({ local, channel, store, logger, now, ...(lifetime ? { lifetime } : {}) });
  await channel.start();
  return { service, replicaId, stop: () => channel.stop() };
}
