import type { Logger } from 'pino';
import type { Config } from './config/index.ts';
import { StartupError } from './http/socket-server.ts';
import type { WebOptions } from './web/options.ts';
import { loadSessionKeys, secretReader } from './web/startup.ts';

/** The web client's options from the configuration, for either process that serves it (with the API, or alone). */

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
