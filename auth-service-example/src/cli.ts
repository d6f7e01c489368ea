import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import type { CommandFailure } from './commands/failure.ts';
import { resolveServeConfig, SERVE_OPTIONS } from './config.ts';
import type { Result } from './result.ts';

/**
 * The `auth-service` command. Exit codes: 0 done; 1 a runtime failure; 2 a usage or configuration
 * mistake the person must fix. Secrets go to stdout only where asked for (a new API key, a token),
 * alone on their line; everything meant for people goes to stderr.
 */

const USAGE_ERROR = 2;

function fail(message: string, code: number): never {
  process.stderr.write(`auth-service: ${message}\n`);
  process.exit(code);
}

/** Prints a command's outcome: the secret (if any) on stdout, the note on stderr. */
function finish<T>(result: Result<T, CommandFailure>, print: (value: T) => { stdout?: string; stderr: string }): void {
  if (!result.ok) fail(result.error.message, result.error.exitCode);
  const { stdout, stderr } = print(result.value);
  if (stdout !== undefined) process.stdout.write(`${stdout}\n`);
  process.stderr.write(`${stderr}\n`);
}

async function serve(flags: Record<string, unknown>): Promise<void> {
  const resolved = resolveServeConfig({ flags, env: process.env });
  if (!resolved.ok) fail(resolved.error.message, USAGE_ERROR);
  const config = resolved.value;
  // Tracing starts before the app's modules load, as the SDK expects.
  const { startTelemetry } = await import('./telemetry.ts');
  const telemetry = await startTelemetry();
  const { createLogger } = await import('./logger.ts');
  const { runUntilSignalled, StartupError } = await import('./server.ts');
  try {
    process.exit(await runUntilSignalled(config, createLogger(config.logLevel), telemetry));
  } catch (e) {
    await telemetry.shutdown().catch(() => {});
    if (e instanceof StartupError) fail(e.message, e.exitCode);
    throw e;
  }
}

const usersFlag = { users: SERVE_OPTIONS.users };
const groupsFlag = { type: 'string', demandOption: true, describe: 'comma-separated groups ("" for none)' } as const;
const nameArgument = (what: string) => (y: Argv) => y.positional('name', { type: 'string', demandOption: true, describe: what });

await yargs(hideBin(process.argv))
  .scriptName('auth-service')
  .usage('$0 [command] [options]\n\nThe example identity service for Formgate: issues JWT access tokens and validates them.')
  .command(['serve', '$0'], 'run the service (the default command)', (y) => y.options(SERVE_OPTIONS), (argv) => serve(argv))
  .command('users', 'manage users', (y) =>
    y
      .command(
        'add <name>',
        'add a user (or replace one with --force); asks for the password twice, or reads it with --password-stdin',
        (c) =>
          nameArgument('the user name')(c).options({
            groups: groupsFlag,
            'display-name': { type: 'string', describe: 'the full name' },
            email: { type: 'string', describe: 'the email address' },
            'password-stdin': { type: 'boolean', describe: 'read the password from the first line of standard input' },
            force: { type: 'boolean', describe: 'replace an existing user of that name' },
            ...usersFlag,
          }),
        async (argv) => {
          const { addUser } = await import('./commands/users.ts');
          const result = await addUser({
            flags: argv,
            env: process.env,
            name: argv.name,
            groups: argv.groups,
            ...(argv.displayName === undefined ? {} : { displayName: argv.displayName }),
            ...(argv.email === undefined ? {} : { email: argv.email }),
            passwordStdin: argv.passwordStdin === true,
            force: argv.force === true,
          });
          finish(result, (note) => ({ stderr: note }));
        },
      )
      .demandCommand(1, 'name a subcommand: auth-service users add NAME --groups ...'),
  )
  .command('service-accounts', 'manage service accounts and their API keys', (y) =>
    y
      .command(
        'create <name>',
        'create a service account; prints its API key once on stdout',
        (c) => nameArgument('the service account name')(c).options({ groups: groupsFlag, ...usersFlag }),
        async (argv) => {
          const { createServiceAccount } = await import('./commands/service-accounts.ts');
          finish(await createServiceAccount({ flags: argv, env: process.env, name: argv.name, groups: argv.groups }), ({ key, note }) => ({ stdout: key, stderr: note }));
        },
      )
      .command(
        'rotate <name>',
        'give a service account a new API key (printed once on stdout); older keys stop working after --grace',
        (c) =>
          nameArgument('the service account name')(c).options({
            grace: { type: 'string', demandOption: true, describe: 'how long older keys keep working: 0, 30s, 15m, 2h, 7d' },
            ...usersFlag,
          }),
        async (argv) => {
          const { rotateServiceAccount } = await import('./commands/service-accounts.ts');
          finish(await rotateServiceAccount({ flags: argv, env: process.env, name: argv.name, grace: argv.grace }), ({ key, note }) => ({ stdout: key, stderr: note }));
        },
      )
      .demandCommand(1, 'name a subcommand: auth-service service-accounts create|rotate NAME ...'),
  )
  .command('clients', 'manage OpenID Connect clients (relying parties such as Formgate\'s web client) and their secrets', (y) =>
    y
      .command(
        'create <name>',
        'register a client (its name is its client_id); prints its secret once on stdout; --force replaces one',
        (c) =>
          nameArgument('the client name (its client_id)')(c).options({
            'redirect-uri': { type: 'string', array: true, demandOption: true, describe: 'where sign-ins return (exact match); repeat for more' },
            'post-logout-redirect-uri': { type: 'string', array: true, describe: 'where sign-outs may return; repeat for more' },
            force: { type: 'boolean', describe: 'replace an existing client of that name (and its secrets)' },
            ...usersFlag,
          }),
        async (argv) => {
          const { createClient } = await import('./commands/clients.ts');
          const result = await createClient({
            flags: argv,
            env: process.env,
            name: argv.name,
            redirectUris: argv.redirectUri.map(String),
            postLogoutRedirectUris: (argv.postLogoutRedirectUri ?? []).map(String),
            force: argv.force === true,
          });
          finish(result, ({ secret, note }) => ({ stdout: secret, stderr: note }));
        },
      )
      .command(
        'rotate <name>',
        'give a client a new secret (printed once on stdout); older secrets stop working after --grace',
        (c) =>
          nameArgument('the client name')(c).options({
            grace: { type: 'string', demandOption: true, describe: 'how long older secrets keep working: 0, 30s, 15m, 2h, 7d' },
            ...usersFlag,
          }),
        async (argv) => {
          const { rotateClient } = await import('./commands/clients.ts');
          finish(await rotateClient({ flags: argv, env: process.env, name: argv.name, grace: argv.grace }), ({ secret, note }) => ({ stdout: secret, stderr: note }));
        },
      )
      .command(
        'list',
        'list the clients: name, live secrets, redirect URIs (never a secret)',
        (c) => c.options(usersFlag),
        async (argv) => {
          const { listClients } = await import('./commands/clients.ts');
          finish(await listClients({ flags: argv, env: process.env }), ({ lines, note }) => ({ ...(lines.length === 0 ? {} : { stdout: lines.join('\n') }), stderr: note }));
        },
      )
      .command(
        'remove <name>',
        'remove a client; its sign-ins can no longer be refreshed',
        (c) => nameArgument('the client name')(c).options(usersFlag),
        async (argv) => {
          const { removeClient } = await import('./commands/clients.ts');
          finish(await removeClient({ flags: argv, env: process.env, name: argv.name }), (note) => ({ stderr: note }));
        },
      )
      .demandCommand(1, 'name a subcommand: auth-service clients create|rotate|list|remove ...'),
  )
  .command(
    'token <name>',
    'for local development: sign a token for a user or service account with the key file, and print it',
    (c) =>
      nameArgument('a user or service account name (service-account:NAME picks the account when both exist)')(c).options({
        ...usersFlag,
        'key-file': SERVE_OPTIONS['key-file'],
        ttl: { type: 'string', describe: 'lifetime: 30s, 15m, 2h … up to 1d [env: AUTH_TOKEN_TTL]', defaultDescription: '15m' },
        issuer: SERVE_OPTIONS.issuer,
      }),
    async (argv) => {
      const { signToken } = await import('./commands/token.ts');
      finish(await signToken({ flags: argv, env: process.env, name: argv.name }), ({ token, note }) => ({ stdout: token, stderr: note }));
    },
  )
  .strict()
  .help()
  .alias('help', 'h')
  .version(false)
  .wrap(Math.min(120, process.stdout.columns || 100))
  .fail((message, error) => {
    if (error) throw error;
    fail(`${message} (see auth-service --help)`, USAGE_ERROR);
  })
  .parseAsync();
