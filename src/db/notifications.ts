/**
 * Notifications between the processes sharing one database (LISTEN/NOTIFY on PostgreSQL), as a capability of
 * `Database`, so that a feature can tell its twins in other replicas without knowing the driver.
 */

/** PostgreSQL refuses a payload of 8000 bytes or more. */
export const MAX_PAYLOAD_BYTES = 7999;

/** A channel's name: also part of an SQL identifier and of `application_name`, so plain. */
const CHANNEL_NAME = /^[a-z][a-z0-9_]{0,30}$/;
/** A listener's id ends up in `application_name` (63 bytes at most, with the channel's name). */
const LISTENER_ID = /^[a-z0-9-]{1,24}$/;

export interface NotificationHandlers {
  /** A notification's payload, as it was sent (this process's own included). */
  message(payload: string): void;
  /** Listening again after `lost`: whatever was sent in between was missed. */
  resumed(): void;
  /** The listening connection closed, or could not be opened; it is retried until `stop()`. */
  lost(reason: string): void;
}

export interface Listening {
  /** Whether notifications reach the handlers now. */
  readonly listening: boolean;
  stop(): Promise<void>;
}

export interface Notifications {
  /**
   * Listens on `channel` as `listenerId` (one id per replica) until stopped. Resolves after the first
   * attempt, listening or not: a failed one is `lost` and retried, never thrown.
   */
  listen(channel: string, listenerId: string, handlers: NotificationHandlers): Promise<Listening>;
  /** Sends `payload` to every listener of `channel`, in every process sharing the database. */
  notify(channel: string, payload: string): Promise<void>;
  /** The ids of the listeners on `channel` now, in every process sharing the database. */
  listeners(channel: string): Promise<string[]>;
}

/** Throws on a name or payload the database would refuse or misread: a programming error, not an outage. */
export function checkChannel(channel: string, listenerId?: string): void {
  if (!CHANNEL_NAME.test(channel)) throw new Error(`not a usable channel name: ${channel}`);
  if (listenerId !== undefined && !LISTENER_ID.test(listenerId)) throw new Error(`not a usable listener id: ${listenerId}`);
}

export function checkPayload(payload: string): void {
  if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) throw new Error(`a notification's payload is limited to ${MAX_PAYLOAD_BYTES} bytes`);
}

/**
 * PGlite: one process per data directory, so every listener is in this process and a notification is a
 * function call, delivered on a later turn as PostgreSQL would deliver it.
 */
export function inProcessNotifications(): Notifications {
  const channels = new Map<string, Map<NotificationHandlers, string>>();
  return {
    async listen(channel, listenerId, handlers) {
      checkChannel(channel, listenerId);
      let listeners = channels.get(channel);
      if (listeners === undefined) channels.set(channel, (listeners = new Map()));
      listeners.set(handlers, listenerId);
      let listening = true;
      return {
        get listening() {
          return listening;
        },
        stop: async () => {
          listening = false;
          listeners.delete(handlers);
        },
      };
    },
    async notify(channel, payload) {
      checkChannel(channel);
      checkPayload(payload);
      for (const handlers of channels.get(channel)?.keys() ?? []) setImmediate(() => handlers.message(payload));
    },
    listeners: async (channel) => [...new Set(channels.get(channel)?.values() ?? [])],
  };
}
