import type { Logger } from 'pino';
import type { Config } from './config/index.ts';
import { warnIfDescriptorsShort } from './http/descriptors.ts';
import { listen, StartupError, stopper } from './http/socket-server.ts';
import type { Telemetry } from './telemetry.ts';
import type { WebOptions } from './web/options.ts';
import { remoteApi } from './web/remote-api.ts';
import { checkFormScope } from './web/scope-check.ts';
import { loadSessionKeys, secretReader } from './web/startup.ts';
import { createWebOnlyHost } from './web-host.ts';

/**
 * The web client as a process of its own (`--no-api --api-url URL`): it opens no database, reads no
 * forms file, runs no migration and asks no identity service; every page is requests to the API at
 * `--api-url`, as the person who looks at it.
 */
export async function startWebOnly(config: Config, logger: Logger, telemetry?: Telemetry): Promise<{ url: string; stop(): Promise<void> }> {
  const webConfig = config.web;
  if (webConfig === null || webConfig.api.kind !== 'remote') throw new StartupError('--no-api needs the web client and --api-url', 2);
  const { url: apiUrl, timeoutMs } = webConfig.api;
  const web = (await webParts(config, logger))!;
  const api = remoteApi({ baseUrl: apiUrl, timeoutMs, onFailure: (reason) => logger.warn({ api: apiUrl, reason }, 'API request failed') });
  await warnIfDescriptorsShort(config.maxConnections, logger);

  let host: ReturnType<typeof createWebOnlyHost> | undefined;
  // A page waits on a token refresh and on API calls made together: each bounded by the API timeout.
  const socket = await listen((request, env) => host!.fetch(request, env), { ...config, workBoundMs: 3 * timeoutMs }, logger);
  const publicUrl = withListenPort(web.publicUrl, socket.port);
  host = createWebOnlyHost({ web: { ...web, publicUrl, api }, apiHealthUrl: `${apiUrl}/health`, apiTimeoutMs: timeoutMs, logger });
  logger.info(
    {
      url: socket.url,
      port: socket.port,
      halves: 'web client',
      web: describeWeb(webConfig, publicUrl, apiUrl),
      tracing: telemetry?.enabled ? 'on (OTLP)' : 'off',
      limits: { maxConnections: config.maxConnections, requestTimeoutMs: config.requestTimeoutMs, apiTimeoutMs: timeoutMs },
    },
    `Formgate listening on ${socket.url} (the web client alone; the API at ${apiUrl})`,
  );
  const checking = new AbortController();
  if (webConfig.forms !== null) void checkFormScope(api, webConfig.forms, logger, { signal: checking.signal });
  return { url: socket.url, stop: stopper(socket, logger, telemetry, async () => checking.abort()) };
}

export function withListenPort(publicUrl: string, port: number): string {
  const u = new URL(publicUrl);
  if (u.port !== '0') return publicUrl;
  u.port = String(port);
  return u.origin;
}

/** The web client's settings as the startup line shows them: no secret, where its API is. */
export function describeWeb(web: NonNullable<Config['web']>, publicUrl: string, api: string) {
  return {
    publicUrl,
    api,
    forms: web.forms ?? 'all',
    signIn: web.signIn === null ? 'none' : { issuer: web.signIn.issuer, clientId: web.signIn.clientId },
  };
}
/** The web client's settings with its secrets in hand (the session keys read now, the client secret when used). */
export async function webParts(config: Config, logger: Logger): Promise<Omit<WebOptions, 'api'> | undefined> {
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
    forms: config.web.forms,
    sessionKeys: keys.keys,
    signIn:
      signIn === null
        ? null
        : {
            issuer: signIn.issuer,
            clientId: signIn.clientId,
            clientSecret: secretReader(signIn.clientSecret),
            onClientRefused: () =>
              logger.warn(
                { issuer: signIn.issuer, clientId: signIn.clientId },
                `sign-in: the OpenID provider refused the web client's credentials (invalid_client); check --ui-client-id and the secret in ${signIn.clientSecret.kind === 'file' ? `--ui-client-secret-file ${signIn.clientSecret.path}` : '--ui-client-secret'} (a rotated secret's grace may have ended)`,
              ),
            onSecretUnreadable: (reason) =>
              logger.warn({ reason }, `sign-in: cannot read the client secret from ${signIn.clientSecret.kind === 'file' ? `--ui-client-secret-file ${signIn.clientSecret.path}` : '--ui-client-secret'}; sign-in says "try again" until it can`),
          },
  };
}
