import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { childEnv, REPO_ROOT, runCli, START_TIMEOUT_MS, withTimeout } from '../../../support/process.ts';

/**
 * The example identity service as a real process: the development OpenID provider the web client signs
 * people in at. Its users and signing key live in the test's temporary directory; its refresh tokens live
 * in its memory only, so a restart (same port, same key) ends every sign-in while access tokens already
 * issued keep validating until their `exp`.
 */

const CLI = join(REPO_ROOT, 'auth-service-example', 'bin', 'auth-service.js');
const STOP_WITHIN_MS = 10_000;

export interface ExampleOptions {
  /** Where its users file and key file are. */
  readonly usersFile: string;
  readonly keyFile: string;
  /** 0 (the default) picks a free one. */
  readonly port?: number;
  /** `--token-ttl`: how long its access (and ID) tokens live, e.g. `5s`. */
  readonly tokenTtl?: string;
  /** Added to its environment (`undefined` removes a variable), e.g. the `OTEL_*` settings of a tracing test. */
  readonly env?: Record<string, string | undefined>;
}

export interface ExampleIdp {
  /** The issuer, e.g. `http://127.0.0.1:40123`: discovery at `/.well-known/openid-configuration`. */
  readonly url: string;
  readonly port: number;
  /** Everything it wrote, for failure messages. */
  output(): string;
  /** SIGTERM, bounded wait, then SIGKILL. */
  stop(): Promise<void>;
}

export async function startExample(options: ExampleOptions): Promise<ExampleIdp> {
  const args = ['serve', '--users', options.usersFile, '--key-file', options.keyFile, '--port', String(options.port ?? 0), '--log-level', 'info'];
  if (options.tokenTtl !== undefined) args.push('--token-ttl', options.tokenTtl);
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listening = new Promise<string>((resolve, reject) => {
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        output += `${line}\n`;
        const url = listeningUrl(line);
        if (url !== undefined) resolve(url);
      });
    }
    child.once('exit', (code, signal) => reject(new Error(`the example identity service exited (code ${code}, signal ${signal}) before listening\n${output}`)));
  });
  let url: string;
  try {
    url = await withTimeout(listening, START_TIMEOUT_MS, 'the example identity service to listen');
  } catch (e) {
    await stopChild(child);
    throw new Error(`${(e as Error).message}\n${output}`);
  }
  const parsed = new URL(url);
  if (parsed.hostname !== '127.0.0.1') throw new Error(`expected the example on 127.0.0.1, got ${url}`);
  return { url, port: Number(parsed.port), output: () => output, stop: () => stopChild(child) };
}

function listeningUrl(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line) as { msg?: unknown; url?: unknown };
    return entry.msg === 'listening' && typeof entry.url === 'string' ? entry.url : undefined;
  } catch {
    return undefined;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await withTimeout(gone, STOP_WITHIN_MS, 'the example identity service to stop').catch(async () => {
    child.kill('SIGKILL');
    await withTimeout(gone, 5_000, 'the example identity service to die').catch(() => {});
  });
}

/**
 * `auth-service clients create NAME …`: registers an OpenID client in the users file and answers its
 * secret, which the command prints alone on stdout.
 */
export async function registerClient(usersFile: string, name: string, redirectUri: string, postLogoutRedirectUri: string): Promise<string> {
  const result = await runCli(
    ['clients', 'create', name, '--redirect-uri', redirectUri, '--post-logout-redirect-uri', postLogoutRedirectUri, '--users', usersFile, '--force'],
    { script: CLI },
  );
  const secret = result.stdout.trim();
  if (result.code !== 0 || secret === '' || secret.includes('\n')) {
    throw new Error(`clients create ${name} failed (code ${result.code})\nstderr: ${result.stderr}`);
  }
  return secret;
}
