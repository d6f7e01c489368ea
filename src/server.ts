import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { getRequestListener, RequestError } from '@hono/node-server';
import type { Logger } from 'pino';
import { identityClientFor } from './auth/identity-client.ts';
import { protectionTable } from './auth/protection.ts';
import type { Config } from './config/index.ts';
import { openDatabase, type Database, type MigrationOutcome } from './db/connect.ts';
import { describeMigrations } from './db/migration-count.ts';
import { RESERVE_TIMEOUT_MS } from './db/safe-transactions.ts';
import { formatFormsFileError } from './forms/index.ts';
import { openLiveForms } from './forms/live.ts';
import { limitConnections, serverOptions } from './http/connections.ts';
import { warnIfDescriptorsShort } from './http/descriptors.ts';
import { createHostApp } from './host.ts';
import { problemBody, problemResponse } from './http/problem.ts';
import { SHUTDOWN_WITHIN_MS, type Telemetry } from './telemetry.ts';
import type { HostParts } from './host.ts';
import { loadSessionKeys, secretReader } from './web/startup.ts';

export interface RunningServer {
  readonly url: string;
  /** Stops taking connections, lets in-flight requests finish, then closes the database. */
  stop(): Promise<void>;
}

/** Thrown for a startup failure the operator must fix; `exitCode` says how the process should end. */
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

export async function startServer(config: Config, logger: Logger, telemetry?: Telemetry): Promise<RunningServer> {
  const opened = await openLiveForms(config.formsPath, logger);
  if (!opened.ok) throw new StartupError(opened.error.map(formatFormsFileError).join('\n'), 2);
  const live = opened.value;

  const web = await webParts(config, logger).catch(async (e: unknown) => {
    await live.stop();
    throw e;
  });
  const { database, migrations } = await openMigrated(config, logger).catch(async (e: unknown) => {
    await live.stop();
    throw e;
  });
  const identityClient = identityClientFor(config.auth, { logger });
  const build = (publicWeb: HostParts['web']) =>
    createHostApp({ config, database, forms: live.forms, formsFile: live.state, logger, ...(identityClient ? { identityClient } : {}), ...(publicWeb ? { web: publicWeb } : {}) });
  await warnIfDescriptorsShort(config.maxConnections, logger);
  // Built once the port is known: with --port 0 the web client's default public URL names the port picked.
  let app: ReturnType<typeof build> | undefined;
  const server = await listen((request, env) => app!.fetch(request, env), config, logger).catch(async (e: unknown) => {
    await live.stop();
    await database.close();
    throw e;
  });
  const responses = trackResponses(server);
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  // No request runs before this line: the listen callback and this continuation leave no turn for I/O.
  const publicWeb = web === undefined ? undefined : { ...web, publicUrl: withListenPort(web.publicUrl, port) };
  app = build(publicWeb);
  logger.info(
    {
      url,
      port,
      database: database.driver,
      forms: live.forms.list().map((f) => f.definition.name),
      formsFile: config.formsPath,
      migrations: describeMigrations(migrations),
      protect: protectionTable(config.protect, config.adminGroup),
      tracing: telemetry?.enabled ? 'on (OTLP)' : 'off',
      identityService: config.auth.url === undefined ? 'none (tokens are ignored)' : { protocol: config.auth.protocol, url: redactUrl(config.auth.url), cacheSize: config.auth.cache.size, maxCalls: config.auth.maxCalls },
      web: config.web === null || publicWeb === undefined ? 'off' : { publicUrl: publicWeb.publicUrl, signIn: config.web.signIn === null ? 'none' : { issuer: config.web.signIn.issuer, clientId: config.web.signIn.clientId } },
      limits: { maxConnections: config.maxConnections, requestTimeoutMs: config.requestTimeoutMs, maxBodyBytes: config.maxBodyBytes },
    },
    `Formgate listening on ${url}`,
  );

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // Closed before it is said: whoever reads the line may count on new connections being refused.
      const closing = closeServer(server, responses);
      logger.info('shutting down: finishing in-flight requests');
      await closing;
      await live.stop();
      await database.close();
      // The last spans (this shutdown's requests among them) are sent before the process ends.
      const outcome = await telemetry?.shutdown().catch((e: unknown) => void logger.warn({ err: e }, 'could not send the last traces'));
      if (outcome === 'abandoned') {
        const late = new Error(`the trace collector did not take the last spans within ${SHUTDOWN_WITHIN_MS} ms`);
        logger.warn({ err: late }, 'could not send the last traces');
      }
      logger.info('stopped');
    })());
  return { url, stop };
}

function withListenPort(publicUrl: string, port: number): string {
  const u = new URL(publicUrl);
  if (u.port !== '0') return publicUrl;
  u.port = String(port);
  return u.origin;
}

/** The web client's settings with its secrets in hand (the session keys read now, the client secret when used). */
async function webParts(config: Config, logger: Logger): Promise<HostParts['web']> {
  if (config.web === null) return undefined;
  const keys = await loadSessionKeys(config.web.sessionSecrets);
  if (!keys.ok) throw new StartupError(keys.message, 2);
  if (keys.random) logger.info('web client: no --ui-session-secret, so its cookies (CSRF, drafts) are sealed with a key of this process alone and end with it');
  const { signIn } = config.web;
  // Read again at each token request; read once now so a wrong path stops startup rather than every sign-in.
  if (signIn?.clientSecret.kind === 'file') {
    const secret = await secretReader(signIn.clientSecret)().catch(() => '');
    if (secret === '') throw new StartupError(`--ui-client-secret-file ${signIn.clientSecret.path}: cannot read a client secret from it`, 2);
  }
  return {
    publicUrl: config.web.publicUrl,
    sessionKeys: keys.keys,
    signIn: signIn === null ? null : { issuer: signIn.issuer, clientId: signIn.clientId, clientSecret: secretReader(signIn.clientSecret) },
  };
}

export async function openMigrated(config: Pick<Config, 'database'>, logger: Logger): Promise<{ database: Database; migrations: MigrationOutcome }> {
  let database: Database | undefined;
  try {
    database = await openDatabase(config.database);
    const migrations = await database.migrate();
    return { database, migrations };
  } catch (e) {
    await database?.close().catch(() => {});
    const reason = e instanceof Error ? e.message : String(e);
    logger.debug({ err: e }, 'database startup failed');
    throw new StartupError(`cannot open the ${describeTarget(config.database)}: ${reason}`, 1);
  }
}

function describeTarget(target: Config['database']): string {
  if (target.kind === 'postgres') return `PostgreSQL database at ${redactUrl(target.url)}`;
  return target.kind === 'pglite-file' ? `embedded database in ${target.dir}` : 'in-memory database';
}

/** A database URL fit for a log line: no password. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * The longest Formgate itself may work on a request before it writes a byte: the identity service (a wait
 * for a call slot, then the call) and, on PostgreSQL, the wait for a connection. A connection is not cut
 * for silence shorter than this, so such a request still gets its 503.
 */
function workBound(config: Config): number {
  return 2 * config.auth.timeoutMs + (config.database.kind === 'postgres' ? RESERVE_TIMEOUT_MS : 0);
}

function listen(fetch: Parameters<typeof getRequestListener>[0], config: Config, logger: Logger): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(serverOptions(config));
    const app = getRequestListener(fetch, { hostname: config.host, errorHandler: unreadableRequest });
    server.on('request', limitConnections(server, { ...config, workBoundMs: workBound(config) }, app, logger));
    server.once('error', (e) => reject(listenError(e, config)));
    server.listen(config.port, config.host, () => resolve(server));
  });
}

/**
 * Why the socket could not open. A port taken, refused or an address not of this machine is a setting to
 * change (exit 2, the code of every configuration mistake); anything else is a runtime failure.
 */
function listenError(e: NodeJS.ErrnoException, { host, port }: Pick<Config, 'host' | 'port'>): StartupError {
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

/**
 * Stops taking connections and lets requests in flight finish. Each response from then on says
 * `Connection: close`, so keep-alive clients hang up after their last answer instead of holding the
 * process open until the grace period cuts them off.
 */
function closeServer(server: Server, responses: Set<ServerResponse>): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    force.unref();
    server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
      res.shouldKeepAlive = false;
    });
    for (const res of responses) if (!res.headersSent) res.shouldKeepAlive = false;
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** The responses being written right now, so shutdown can ask their connections to close after them. */
function trackResponses(server: Server): Set<ServerResponse> {
  const responses = new Set<ServerResponse>();
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    responses.add(res);
    res.once('close', () => responses.delete(res));
  });
  return responses;
}
