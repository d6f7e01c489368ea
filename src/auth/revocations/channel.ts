import type { Logger } from 'pino';
import { causeChain } from '../../db/errors.ts';
import type { Notifications } from '../../db/notifications.ts';
import { err, ok, type Result } from '../../result.ts';
import { applyRevocation, holdStored, type LocalRevocations } from './apply.ts';
import { decodeMessage, describeRevocation, encodeMessage, type Revocation } from './messages.ts';
import type { RevocationStore } from './store.ts';

/** The one channel every replica sharing the database listens on. */
export const REVOCATION_CHANNEL = 'formgate_revocations';

/**
 * The revocation channel of one replica: what it tells the others, what it hears from them, and how it
 * catches up when it may have missed something (at startup, and when its connection comes back).
 */
export interface RevocationChannel {
  /** Loads the kept revocations and starts listening. Never throws: a database that is down is retried. */
  start(): Promise<void>;
  /** Tells every other replica; resolves with how many replicas know now, this one included. */
  publish(revocation: Revocation): Promise<Result<number, unknown>>;
  /** Revocations heard from other replicas and applied here. */
  readonly received: number;
  stop(): Promise<void>;
}

export interface ChannelOptions {
  readonly notifications: Notifications;
  readonly local: LocalRevocations;
  readonly store: RevocationStore;
  /** This replica's id on the channel: its own notifications come back to it and are skipped. */
  readonly replicaId: string;
  readonly logger: Logger;
  readonly now?: () => number;
}

export function createRevocationChannel(options: ChannelOptions): RevocationChannel {
  const { notifications, local, store, replicaId, logger } = options;
  const now = options.now ?? Date.now;
  const log = logger.child({ component: 'revocations' });
  let received = 0;
  let listening: Awaited<ReturnType<Notifications['listen']>> | undefined;
  let stopped = false;

  const reload = async (): Promise<void> => {
    if (!local.holds) return;
    const rows = await store.live(now());
    if (!rows.ok) return void log.warn({ error: reason(rows.error) }, 'could not load the kept revocations; retried when the channel comes back');
    holdStored(local.list, rows.value);
  };

  const hear = (payload: string) => {
    const message = decodeMessage(payload);
    if (!message.ok) return void log.warn({ problem: message.error }, 'ignored a revocation notification that could not be read');
    if (message.value.from === replicaId) return;
    const dropped = applyRevocation(local, message.value);
    received++;
    log.info({ ...describeRevocation(message.value), from: message.value.from, dropped }, 'revocation received from another replica');
  };

  return {
    async start() {
      await reload();
      listening = await notifications.listen(REVOCATION_CHANNEL, replicaId, {
        message: hear,
        lost: (why) => log.warn({ error: why }, 'the revocation channel is down: revocations made on other replicas do not reach this one until it is back'),
        resumed: () => {
          // Whatever was revoked while the channel was down never arrived: forget everything, reload the rest.
          const dropped = local.cache.clearCache();
          log.warn({ dropped }, 'the revocation channel is back; notifications may have been missed, so the auth cache was emptied and the kept revocations reloaded');
          void reload();
        },
      });
      if (stopped) await listening.stop();
    },
    async publish(revocation) {
      try {
        await notifications.notify(REVOCATION_CHANNEL, encodeMessage({ ...revocation, from: replicaId }));
        const others = new Set(await notifications.listeners(REVOCATION_CHANNEL));
        others.add(replicaId);
        return ok(others.size);
      } catch (e) {
        return err(e);
      }
    },
    get received() {
      return received;
    },
    async stop() {
      stopped = true;
      await listening?.stop();
    },
  };
}

/** The driver's own words: drizzle's wrapper repeats the query and its parameters. */
export function reason(error: unknown): string {
  const innermost = causeChain(error).at(-1);
  return innermost instanceof Error ? innermost.message : String(error);
}
