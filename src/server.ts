import type { Logger } from 'pino';
import { identityClientFor } from './auth/identity-client.ts';
import { createRevocationList } from './auth/revocation-list.ts';
import { startRevocations } from './auth/revocations/index.ts';
import { protectionTable } from './auth/protection.ts';
import type { Config } from './config/index.ts';
import { openDatabase, type Database, type MigrationOutcome } from './db/connect.ts';
import { describeMigrations } from './db/migration-count.ts';
import { RESERVE_TIMEOUT_MS } from './db/safe-transactions.ts';
import { formatFormsFileError } from './forms/index.ts';
import { openLiveForms } from './forms/live.ts';
import { warnIfDescriptorsShort } from './http/descriptors.ts';
import { listen, StartupError, stopper } from './http/socket-server.ts';
import { createHostApp } from './host.ts';
import type { Telemetry } from './telemetry.ts';
import type { HostParts } from './host.ts';
import { unknownForms, warnUnknownForms } from './web/scope-check.ts';
import { startWebOnly } from './web-only.ts';
import { describeWeb, webParts, withListenPort } from './web-parts.ts';

export { StartupError } from './http/socket-server.ts';

export interface RunningServer {
  readonly url: string;
  /** Stops taking connections, lets in-flight requests finish, then closes the database. */
  stop(): Promise<void>;
}

/** What `formgate serve` runs: the API with the web client beside it, the API alone (`--no-ui`), or the web client alone (`--no-api`). */
export async function startServer(config: Config, logger: Logger, telemetry?: Telemetry): Promise<RunningServer> {
  if (!config.api) return startWebOnly(config, logger, telemetry);
  return startApi(config, logger, telemetry);
}

async function startApi(config: Config, logger: Logger, telemetry?: Telemetry): Promise<RunningServer> {
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
  // Revocation (start): one list, filled by the channel, consulted by the identity client.
  const revocationList = createRevocationList();
  const identityClient = identityClientFor(config.auth, { logger, revocations: revocationList });
  // The jwt key set's first fetch: bounded by --auth-timeout, and a failure is a warning, not an exit.
  await identityClient?.start();
  // Listening before the port opens; a database that went down since it was opened is retried, not fatal.
  const revocations = identityClient && (await startRevocations({ auth: config.auth, database, client: identityClient, list: revocationList, logger }));
  // Revocation (end).
  const build = (publicWeb: HostParts['web']) =>
    createHostApp({ config, database, forms: live.forms, formsFile: live.state, logger, ...(identityClient ? { identityClient } : {}), ...(revocations ? { revocations: revocations.service } : {}), ...(publicWeb ? { web: publicWeb } : {}) });
  await warnIfDescriptorsShort(config.maxConnections, logger);
  // Built once the port is known: with --port 0 the web client's default public URL names the port picked.
  let app: ReturnType<typeof build> | undefined;
  const socket = await listen((request, env) => app!.fetch(request, env), { ...config, workBoundMs: workBound(config) }, logger).catch(async (e: unknown) => {
    await revocations?.stop(); // Revocation.
    identityClient?.stop();
    await live.stop();
    await database.close();
    throw e;
  });
  const { port, url } = socket;
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
      identityService: describeIdentityService(config.auth),
      halves: publicWeb === undefined ? 'API' : 'API and web client',
      web: config.web === null || publicWeb === undefined ? 'off' : describeWeb(config.web, publicWeb.publicUrl, 'in this process'),
      limits: { maxConnections: config.maxConnections, requestTimeoutMs: config.requestTimeoutMs, maxBodyBytes: config.maxBodyBytes },
    },
    `Formgate listening on ${url} (${publicWeb === undefined ? 'the API alone' : 'the API and the web client'})`,
  );
  if (config.web?.forms) warnUnknownForms(logger, unknownForms(config.web.forms, live.forms.list().map((f) => f.definition.name)));

  return { url, stop: stopper(socket, logger, telemetry, async () => {
    await revocations?.stop(); // Revocation.
    identityClient?.stop();
    await live.stop();
    await database.close();
  }) };
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

/** The startup line's account of how tokens are checked. */
function describeIdentityService(auth: Config['auth']): string | Record<string, unknown> {
  const { jwt } = auth;
  if (jwt !== undefined) {
    const keys = jwt.jwksUrl === undefined ? { jwks: "from the issuer's discovery document" } : { jwksUrl: redactUrl(jwt.jwksUrl) };
    return { protocol: 'jwt', issuer: jwt.issuer, ...keys, audiences: jwt.audiences, algorithms: jwt.algorithms, cacheSize: auth.cache.size };
  }
  if (auth.url === undefined) return 'none (tokens are ignored)';
  return { protocol: auth.protocol, url: redactUrl(auth.url), cacheSize: auth.cache.size, maxCalls: auth.maxCalls };
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
