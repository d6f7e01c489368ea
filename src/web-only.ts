import type { Logger } from 'pino';
import type { Config } from './config/index.ts';
import { warnIfDescriptorsShort } from './http/descriptors.ts';
import { listen, StartupError, stopper } from './http/socket-server.ts';
import type { Telemetry } from './telemetry.ts';
import { remoteApi } from './web/remote-api.ts';
import { checkFormScope } from './web/scope-check.ts';
import { createWebOnlyHost } from './web-host.ts';
import { describeWeb, webParts, withListenPort } from './web-parts.ts';

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
