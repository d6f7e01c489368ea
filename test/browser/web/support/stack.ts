import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../../../support/browser.ts';
import { REPO_ROOT, startServe, type ServerProcess } from '../../../support/process.ts';
import { registerClient, startExample, type ExampleIdp } from './example-idp.ts';

/**
 * One Formgate and one example identity service, as `npm start` wires them (writes protected, validation
 * at the example's /validate) plus the web client's sign-in flags, all on 127.0.0.1 with state in a
 * temporary directory. One stack per test file: started in beforeAll, stopped in afterAll.
 */

export const WEB_CLIENT_ID = 'formgate-web';

export interface StackOptions {
  /** The example's `--token-ttl` (default: its own, 15 minutes). */
  readonly tokenTtl?: string;
}

export interface Stack {
  /** Formgate's origin, also its `--ui-public-url`. */
  readonly url: string;
  readonly formgate: ServerProcess;
  idp: ExampleIdp;
  /** The secret in `--ui-session-secret-file`: the test may open the session cookie with it. */
  readonly sessionSecret: string;
  /** Stops the identity service and starts it again on the same port with the same key and users: every refresh token is gone. */
  restartIdp(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), 'formgate-browser-'));
  // The redirect URI names Formgate's port, so the port is chosen before either starts.
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const files = await prepareSignIn(dir, url);
  const { usersFile, keyFile, sessionSecret } = files;

  // Both ports are known before either starts, so the two start side by side (Formgate discovers the
  // provider at the first sign-in, not at startup).
  let idpPort = await freePort();
  for (let i = 0; i < 5 && idpPort === port; i += 1) idpPort = await freePort();
  const idpUrl = `http://127.0.0.1:${idpPort}`;
  const idpOptions = { usersFile, keyFile, ...(options.tokenTtl === undefined ? {} : { tokenTtl: options.tokenTtl }) };
  const [started, served] = await Promise.allSettled([
    startExample({ ...idpOptions, port: idpPort }),
    startServe([
      '--port', String(port), '--host', '127.0.0.1', '--database-url', 'memory://', '--forms', 'examples/forms.yaml',
      '--protect', 'writes', '--auth-url', `${idpUrl}/validate`, '--log-level', 'info',
      ...signInFlags(idpUrl, url, files),
    ]),
  ]);
  if (started.status === 'rejected' || served.status === 'rejected') {
    if (started.status === 'fulfilled') await started.value.stop();
    if (served.status === 'fulfilled') await served.value.kill();
    await rm(dir, { recursive: true, force: true });
    throw started.status === 'rejected' ? started.reason : (served as PromiseRejectedResult).reason;
  }
  let idp = started.value;
  const formgate = served.value;
  if (idp.url !== idpUrl) {
    await Promise.all([idp.stop(), formgate.kill()]);
    await rm(dir, { recursive: true, force: true });
    throw new Error(`the example listens at ${idp.url}, not at ${idpUrl} as Formgate was told`);
  }

  const stack: Stack = {
    url,
    formgate,
    idp,
    sessionSecret,
    async restartIdp() {
      const samePort = stack.idp.port;
      await stack.idp.stop();
      idp = await startExample({ ...idpOptions, port: samePort });
      stack.idp = idp;
    },
    async stop() {
      await formgate.kill();
      await stack.idp.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return stack;
}

/** What sign-in needs on disk: the example's users and key, the web client registered for `webUrl`, its secret files. */
export interface SignInFiles {
  readonly usersFile: string;
  readonly keyFile: string;
  /** The secret `clients create` gave, which `clientSecretFile` holds. */
  readonly clientSecret: string;
  readonly clientSecretFile: string;
  readonly sessionSecret: string;
  readonly sessionSecretFile: string;
}

export async function prepareSignIn(dir: string, webUrl: string): Promise<SignInFiles> {
  const usersFile = join(dir, 'users.yaml');
  await copyFile(join(REPO_ROOT, 'auth-service-example', 'users.example.yaml'), usersFile);
  await chmod(usersFile, 0o600);
  const clientSecret = await registerClient(usersFile, WEB_CLIENT_ID, `${webUrl}/auth/callback`, `${webUrl}/`);
  const clientSecretFile = join(dir, 'client-secret');
  await writeFile(clientSecretFile, `${clientSecret}\n`, { mode: 0o600 });
  const sessionSecret = randomBytes(32).toString('base64url');
  const sessionSecretFile = join(dir, 'session-secret');
  await writeFile(sessionSecretFile, `${sessionSecret}\n`, { mode: 0o600 });
  return { usersFile, keyFile: join(dir, 'signing-key.json'), clientSecret, clientSecretFile, sessionSecret, sessionSecretFile };
}

/** The web client's sign-in flags at the example service `idpUrl`, for the files `prepareSignIn` made. */
export function signInFlags(idpUrl: string, webUrl: string, files: SignInFiles): string[] {
  return [
    '--ui-issuer', idpUrl, '--ui-client-id', WEB_CLIENT_ID, '--ui-client-secret-file', files.clientSecretFile,
    '--ui-public-url', webUrl, '--ui-session-secret-file', files.sessionSecretFile,
  ];
}

/** The stack and Chromium, started side by side; when either fails, the other is stopped before the error is thrown. */
export async function startStackAndBrowser(options: StackOptions = {}): Promise<{ stack: Stack; browser: Browser }> {
  const [stack, browser] = await Promise.allSettled([startStack(options), launchBrowser()]);
  if (stack.status === 'fulfilled' && browser.status === 'fulfilled') return { stack: stack.value, browser: browser.value };
  if (stack.status === 'fulfilled') await stack.value.stop();
  if (browser.status === 'fulfilled') await browser.value.close();
  throw stack.status === 'rejected' ? stack.reason : (browser as PromiseRejectedResult).reason;
}

/** A port nothing listens on right now (the kernel's choice, released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}
