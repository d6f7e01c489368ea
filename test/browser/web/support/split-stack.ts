import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runCli, startServe, type ServerProcess } from '../../../support/process.ts';
import { startExample, type ExampleIdp } from './example-idp.ts';
import { freePort, prepareSignIn, signInFlags, WEB_CLIENT_ID } from './stack.ts';

/**
 * The split that issue 14 draws, as three processes on 127.0.0.1: the example identity service, an
 * API-only Formgate (`--no-ui`, tokens checked at the example's /validate) and a web-only Formgate
 * (`--no-api --api-url`) that signs people in at the example. State lives in a temporary directory; the
 * client secret is in a file the test may rewrite, as an operator rotating it would.
 */

export interface SplitOptions {
  /** The API's `--protect` (default `all`: an anonymous API call is refused, so a token is what lets one through). */
  readonly protect?: 'all' | 'writes';
}

export interface SplitStack {
  readonly idp: ExampleIdp;
  readonly api: ServerProcess;
  readonly web: ServerProcess;
  readonly apiUrl: string;
  /** The web-only instance's origin, also its `--ui-public-url`. */
  readonly webUrl: string;
  readonly sessionSecret: string;
  readonly usersFile: string;
  /** `--ui-client-secret-file`: read by the web client at each token request. */
  readonly clientSecretFile: string;
  /** The secret `clients create` gave, which the file holds at the start. */
  readonly firstClientSecret: string;
  /** `auth-service clients rotate formgate-web --grace GRACE`: the new secret (the file is left as it is) and the CLI's note. */
  rotateClientSecret(grace: string): Promise<{ secret: string; note: string }>;
  stop(): Promise<void>;
}

const EXAMPLE_CLI = join(REPO_ROOT, 'auth-service-example', 'bin', 'auth-service.js');

export async function startSplit(options: SplitOptions = {}): Promise<SplitStack> {
  const dir = await mkdtemp(join(tmpdir(), 'formgate-split-'));
  // Every address is known before anything starts (the redirect URI names the web port, the web-only
  // instance names the API), so the three start side by side.
  const ports = await distinctPorts(3);
  const [idpUrl, apiUrl, webUrl] = ports.map((p) => `http://127.0.0.1:${p}`) as [string, string, string];
  const files = await prepareSignIn(dir, webUrl);
  const { usersFile, keyFile, clientSecretFile, sessionSecret, clientSecret: firstClientSecret } = files;

  const started = await Promise.allSettled([
    startExample({ usersFile, keyFile, port: ports[0] }),
    startServe([
      '--no-ui', '--port', String(ports[1]), '--host', '127.0.0.1', '--database-url', 'memory://', '--forms', 'examples/forms.yaml',
      '--protect', options.protect ?? 'all', '--auth-url', `${idpUrl}/validate`, '--log-level', 'info',
    ]),
    startServe([
      '--no-api', '--api-url', apiUrl, '--port', String(ports[2]), '--host', '127.0.0.1', '--log-level', 'info',
      ...signInFlags(idpUrl, webUrl, files),
    ]),
  ] as const);
  const [idp, api, web] = started;
  const stopStarted = async () => {
    await Promise.all([
      idp.status === 'fulfilled' ? idp.value.stop() : undefined,
      api.status === 'fulfilled' ? api.value.kill() : undefined,
      web.status === 'fulfilled' ? web.value.kill() : undefined,
    ]);
    await rm(dir, { recursive: true, force: true });
  };
  if (idp.status === 'rejected' || api.status === 'rejected' || web.status === 'rejected') {
    await stopStarted();
    throw started.find((s): s is PromiseRejectedResult => s.status === 'rejected')!.reason;
  }
  const wrong = [[idp.value.url, idpUrl], [api.value.url, apiUrl], [web.value.url, webUrl]].find(([got, meant]) => got !== meant);
  if (wrong !== undefined) {
    await stopStarted();
    throw new Error(`a process listens at ${wrong[0]}, not at ${wrong[1]} as the others were told`);
  }

  return {
    idp: idp.value,
    api: api.value,
    web: web.value,
    apiUrl,
    webUrl,
    sessionSecret,
    usersFile,
    clientSecretFile,
    firstClientSecret,
    async rotateClientSecret(grace) {
      const result = await runCli(['clients', 'rotate', WEB_CLIENT_ID, '--grace', grace, '--users', usersFile], { script: EXAMPLE_CLI });
      const secret = result.stdout.trim();
      if (result.code !== 0 || secret === '' || secret.includes('\n')) {
        throw new Error(`clients rotate ${WEB_CLIENT_ID} failed (code ${result.code})\nstderr: ${result.stderr}`);
      }
      return { secret, note: result.stderr.trim() };
    },
    stop: stopStarted,
  };
}

async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let tries = 0; ports.size < count && tries < count * 5; tries += 1) ports.add(await freePort());
  if (ports.size < count) throw new Error(`no ${count} distinct free ports`);
  return [...ports];
}
