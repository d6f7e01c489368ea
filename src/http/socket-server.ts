import { createServer, type Server } from 'node:http';
import { getRequestListener, RequestError } from '@hono/node-server';
import type { Logger } from 'pino';
import { limitConnections, serverOptions, type LimitSettings } from './connections.ts';
import { gracefulClose } from './graceful-close.ts';
import { SHUTDOWN_WITHIN_MS, type Telemetry } from '../telemetry.ts';
import { problemBody, problemResponse } from './problem.ts';

/**
 * The socket side of a process, whatever it serves: listen with the connection limits, say why a port
 * could not be opened, answer what the adapter cannot read, and close with in-flight requests finished.
 */

/** Exit code and message for a startup failure the operator must fix. */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'StartupError';
  }
}

// Requests still running this long after SIGTERM are cut off so the process can exit.
const SHUTDOWN_GRACE_MS = 10_000;

export type AppFetch = Parameters<typeof getRequestListener>[0];

export interface ListenSettings extends LimitSettings {
  readonly host: string;
  readonly port: number;
}

export interface OpenSocket {
  readonly server: Server;
  readonly port: number;
  /** `http://host:port`, with an IPv6 host in brackets. */
  readonly url: string;
  /** Stops taking connections and lets the requests in flight finish (cut after a grace period). */
  close(): Promise<void>;
}

export function listen(fetch: AppFetch, settings: ListenSettings, logger: Logger): Promise<OpenSocket> {
  return new Promise((resolve, reject) => {
    const server = createServer(serverOptions(settings));
    const app = getRequestListener(fetch, { hostname: settings.host, errorHandler: unreadableRequest });
    server.on('request', limitConnections(server, settings, app, logger));
    server.once('error', (e) => reject(listenError(e, settings)));
    const close = gracefulClose(server, SHUTDOWN_GRACE_MS);
    server.listen(settings.port, settings.host, () => {
      const port = (server.address() as { port: number }).port;
      const url = `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}`;
      resolve({ server, port, url, close });
    });
  });
}

/**
 * Why the socket could not open. A port taken, refused or an address not of this machine is a setting to
 * change (exit 2, the code of every configuration mistake); anything else is a runtime failure.
 */
function listenError(e: NodeJS.ErrnoException, { host, port }: Pick<ListenSettings, 'host' | 'port'>): StartupError {
  const fix = 'choose another with --port or FORMGATE_PORT (0 picks a free one)';
  if (e.code === 'EADDRINUSE') return new StartupError(`port ${port} on ${host} is in use: ${fix}`, 2);
  if (e.code === 'EACCES') return new StartupError(`port ${port} on ${host} needs privileges this process lacks: ${fix}`, 2);
  if (e.code === 'EADDRNOTAVAIL') return new StartupError(`${host} is not an address of this machine: choose another with --host or FORMGATE_HOST`, 2);
  return new StartupError(`cannot listen on ${host}:${port}: ${e.message}`, 1);
}

/**
 * A request the HTTP adapter cannot turn into a URL (a backslash in the path, a broken Host header) never
 * reaches the app; without this it would get an empty 400. The app answers its own errors, so a 500 here
 * would mean it threw past its own error handler.
 */
function unreadableRequest(error: unknown): Response {
  if (error instanceof RequestError) {
    return problemResponse(problemBody(400, 'The request target or its Host header is not a valid URL.'));
  }
  return problemResponse(problemBody(500, 'Formgate failed to handle this request.'));
}

/** Stop once: close the socket (requests in flight finish), then `release`, then send the last traces. */
export function stopper(socket: OpenSocket, logger: Logger, telemetry: Telemetry | undefined, release: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= (async () => {
      // Closed before it is said: whoever reads the line may count on new connections being refused.
      const closing = socket.close();
      logger.info('shutting down: finishing in-flight requests');
      await closing;
      await release();
      // The last spans (this shutdown's requests among them) are sent before the process ends.
      const outcome = await telemetry?.shutdown().catch((e: unknown) => void logger.warn({ err: e }, 'could not send the last traces'));
      if (outcome === 'abandoned') {
        const late = new Error(`the trace collector did not take the last spans within ${SHUTDOWN_WITHIN_MS} ms`);
        logger.warn({ err: late }, 'could not send the last traces');
      }
      logger.info('stopped');
    })());
}
