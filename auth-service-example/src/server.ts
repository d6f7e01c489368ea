import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Logger } from 'pino';
import { createApp } from './app.ts';
import { originOf, type ServeConfig } from './config.ts';
import { readDirectoryFile } from './directory/file.ts';
import { fileVersion, liveDirectory } from './directory/live.ts';
import { gracefulClose } from './http/graceful-close.ts';
import { formatDuration } from './duration.ts';
import { loadOrCreateSigningKey } from './keys.ts';
import { SHUTDOWN_WITHIN_MS, type Telemetry } from './telemetry.ts';
import { verifiedKeys } from './verified-keys.ts';

export interface RunningServer {
  readonly url: string;
  readonly issuer: string;
  /** Stops taking connections and lets requests in flight finish. */
  stop(): Promise<void>;
}

/** A startup failure the operator must fix; `exitCode` is 2 for a configuration mistake, 1 otherwise. */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
    this.name = 'StartupError';
  }
}

// Requests still running this long after SIGTERM are cut off so the process can exit. With the telemetry
// flush (at most SHUTDOWN_WITHIN_MS) this stays inside Docker's 10 s stop timeout.
const SHUTDOWN_GRACE_MS = 7_000;

export async function startServer(config: ServeConfig, logger: Logger, now: () => number = Date.now): Promise<RunningServer> {
  // The version first: a change made while the file is being read then shows up at the next look.
  const version = await fileVersion(config.usersPath);
  const directory = await readDirectoryFile(config.usersPath);
  if (!directory.ok) {
    const { kind, message } = directory.error;
    if (kind === 'missing') {
      throw new StartupError(
        `${message}; create it with "auth-service users add NAME --groups GROUP,... --users ${config.usersPath}", ` +
          'or start with --users users.example.yaml for the development users (see the README)',
        2,
      );
    }
    throw new StartupError(message, kind === 'invalid' ? 2 : 1);
  }

  const signing = await loadOrCreateSigningKey(config.keyFile);
  if (!signing.ok) throw new StartupError(signing.error.message, signing.error.kind === 'corrupt' ? 2 : 1);
  const { key, created } = signing.value;
  if (created) logger.info({ keyFile: config.keyFile, kid: key.kid }, 'created a new signing key');

  // The app needs the issuer, which by default is the address listened on: known only once listening.
  let handler: ((request: Request, env: unknown) => Response | Promise<Response>) | undefined;
  const server = createAdaptorServer({
    // The environment carries the Node request, which the login rate limit reads the peer address from.
    fetch: (request: Request, env: unknown) => (handler ? handler(request, env) : new Response(null, { status: 503, headers: { 'Retry-After': '1' } })),
  }) as Server;
  await listen(server, config);
  const url = originOf(config.host, (server.address() as AddressInfo).port);
  const issuer = config.issuer ?? url;

  const app = createApp({
    directory: liveDirectory(config.usersPath, directory.value, version.ok ? version.value : '', logger),
    key,
    issuer,
    tokenTtlS: config.tokenTtlS,
    now,
    logger,
    verifiedKeys: verifiedKeys(),
    oidc: { refreshTtlS: config.refreshTtlS },
  });
  handler = (request, env) => app.fetch(request, env);
  const closeServer = gracefulClose(server, SHUTDOWN_GRACE_MS);

  logger.info(
    {
      url,
      issuer,
      users: config.usersPath,
      userCount: Object.keys(directory.value.users).length,
      serviceAccountCount: Object.keys(directory.value.serviceAccounts).length,
      keyFile: config.keyFile,
      kid: key.kid,
      tokenTtl: formatDuration(config.tokenTtlS),
      refreshTtl: formatDuration(config.refreshTtlS),
      clientCount: Object.keys(directory.value.clients ?? {}).length,
    },
    'listening',
  );

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // Closed before it is said: whoever reads the line may count on new connections being refused.
      const closing = closeServer();
      logger.info('shutting down: finishing in-flight requests');
      await closing;
      logger.info('stopped');
    })());
  return { url, issuer, stop };
}

/**
 * Runs the service until SIGTERM or SIGINT, then stops it gracefully and flushes the spans not yet
 * exported. Resolves with the exit code: 0 after a clean stop. A signal that arrives while the service
 * is still starting stops it as soon as it is up. Startup failures reject with a `StartupError`.
 */
export async function runUntilSignalled(config: ServeConfig, logger: Logger, telemetry: Telemetry): Promise<number> {
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const server = await startServer(config, logger);
  const signal = await signalled;
  logger.info({ signal }, 'signal received');
  try {
    await server.stop();
    if ((await telemetry.shutdown()) === 'abandoned') {
      logger.warn({ waitedMs: SHUTDOWN_WITHIN_MS }, 'gave up flushing the remaining spans: the trace collector did not take them in time');
    }
    return 0;
  } catch (e) {
    logger.error({ err: e }, 'shutdown failed');
    return 1;
  }
}

function listen(server: Server, config: ServeConfig): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (e) => reject(new StartupError(`cannot listen on ${config.host}:${config.port}: ${e.message}`, 1)));
    server.listen(config.port, config.host, () => resolve());
  });
}
