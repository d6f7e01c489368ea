import postgres, { type Sql } from 'postgres';
import { checkChannel, checkPayload, type Listening, type NotificationHandlers, type Notifications } from './notifications.ts';

/** After a lost connection: the first retry waits this long, each next one twice as long, up to the max. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 5_000;

/**
 * LISTEN/NOTIFY on PostgreSQL. Each listener holds a connection of its own, named
 * `<channel>:<listener id>` in `application_name`, so that `pg_stat_activity` shows, and counts, who
 * listens. postgres.js's own `listen()` re-listens after a drop, but a reconnect that fails is swallowed and
 * never retried; here a lost connection is retried until `stop()`, and each return is reported (`resumed`).
 */
export function postgresNotifications(url: string, pool: Sql): Notifications {
  return {
    listen: (channel, listenerId, handlers) => {
      checkChannel(channel, listenerId);
      return listenOn(url, channel, `${channel}:${listenerId}`, handlers);
    },
    async notify(channel, payload) {
      checkChannel(channel);
      checkPayload(payload);
      await pool`select pg_notify(${channel}, ${payload})`;
    },
    async listeners(channel) {
      checkChannel(channel);
      const prefix = `${channel}:`;
      const rows = await pool<{ name: string }[]>`
        select distinct application_name as name from pg_stat_activity
        where datname = current_database() and starts_with(application_name, ${prefix})`;
      return rows.map((r) => r.name.slice(prefix.length));
    },
  };
}

async function listenOn(url: string, channel: string, applicationName: string, handlers: NotificationHandlers): Promise<Listening> {
  let stopped = false;
  let listening = false;
  // Set by a loss, so the next successful listen tells the handlers that notifications may have been missed.
  let missed = false;
  let retryMs = RETRY_FIRST_MS;
  let current: Sql | undefined;
  let timer: NodeJS.Timeout | undefined;

  const lose = (client: Sql, reason: string) => {
    if (client !== current) return;
    current = undefined;
    listening = false;
    void client.end({ timeout: 0 }).catch(() => {});
    if (stopped) return;
    missed = true;
    handlers.lost(reason);
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  };

  const connect = async () => {
    const options: postgres.Options<{}> & { onnotify: (name: string, payload: string) => void } = {
      max: 1,
      connect_timeout: 5,
      idle_timeout: 0,
      // The default recycles a connection after 30 to 60 minutes: each time a reload for nothing.
      max_lifetime: null,
      fetch_types: false,
      connection: { application_name: applicationName },
      onnotice: () => {},
      onnotify: (name, payload) => {
        if (name === channel && client === current) handlers.message(payload);
      },
      onclose: () => lose(client, 'the connection to the database closed'),
    };
    // `onnotify` is the option postgres.js's own listen() is built on; its type declarations leave it out.
    const client: Sql = postgres(url, options);
    current = client;
    try {
      await client.unsafe(`listen "${channel}"`);
    } catch (e) {
      lose(client, e instanceof Error ? e.message : String(e));
      return;
    }
    if (client !== current) return;
    listening = true;
    retryMs = RETRY_FIRST_MS;
    if (missed) {
      missed = false;
      handlers.resumed();
    }
  };

  await connect();
  return {
    get listening() {
      return listening;
    },
    async stop() {
      stopped = true;
      listening = false;
      clearTimeout(timer);
      const client = current;
      current = undefined;
      await client?.end({ timeout: 1 });
    },
  };
}
