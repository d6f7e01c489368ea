import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import {
  CHECK_AUTH_OPTIONS,
  formatConfigError,
  resolveCheckAuthConfig,
  resolveConfig,
  resolveMigrateConfig,
  SERVE_OPTIONS,
  type Config,
} from './config/index.ts';
import { createLogger } from './logger.ts';
import type { RunningServer } from './server.ts';

/**
 * The `formgate` command. Exit codes: 0 done; 1 a runtime failure (database unreachable, a check that
 * failed); 2 a usage or configuration mistake the operator must fix (flags, environment, forms file).
 */

const USAGE_ERROR = 2;

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function config(flags: Record<string, unknown>): Config {
  const resolved = resolveConfig({
    flags,
    env: process.env,
    defaultFormsPath: existsSync('forms.yaml') ? 'forms.yaml' : 'examples/forms.yaml',
  });
  if (!resolved.ok) fail(formatConfigError(resolved.error), USAGE_ERROR);
  return resolved.value;
}

const withServeOptions = (y: Argv) => y.options(SERVE_OPTIONS);

// Each command imports only what it uses, so check-auth and forms check start without the database drivers.

async function serve(flags: Record<string, unknown>): Promise<void> {
  const cfg = config(flags);
  // Telemetry starts before the app's modules load, as OpenTelemetry asks, and only when it is wanted.
  const { startTelemetry } = await import('./telemetry.ts');
  const telemetry = await startTelemetry(process.env);
  const { startServer, StartupError } = await import('./server.ts');
  const logger = createLogger(cfg.logLevel);
  // Listen for signals before startup: a SIGTERM while migrations run waits for them, then stops cleanly.
  let signalled = false;
  let server: RunningServer | undefined;
  const stop = (running: RunningServer) =>
    running.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  const onSignal = (signal: string) => {
    logger.info({ signal, starting: server === undefined }, 'signal received');
    signalled = true;
    if (server) void stop(server);
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  const { strayRejectionListener } = await import('./db/stray-rejections.ts');
  process.on('unhandledRejection', strayRejectionListener(logger));
  try {
    server = await startServer(cfg, logger, telemetry);
  } catch (e) {
    if (e instanceof StartupError) fail(`formgate: ${e.message}`, e.exitCode);
    throw e;
  }
  if (signalled) void stop(server);
}

async function migrate(flags: Record<string, unknown>): Promise<void> {
  const resolved = resolveMigrateConfig({ flags, env: process.env });
  if (!resolved.ok) fail(formatConfigError(resolved.error), USAGE_ERROR);
  const cfg = resolved.value;
  const logger = createLogger(cfg.logLevel);
  const { openMigrated, StartupError } = await import('./server.ts');
  const { describeMigrations } = await import('./db/migration-count.ts');
  try {
    const { database, migrations } = await openMigrated(cfg, logger);
    await database.close();
    logger.info({ database: database.driver, ...migrations }, describeMigrations(migrations));
  } catch (e) {
    if (e instanceof StartupError) fail(`formgate: ${e.message}`, e.exitCode);
    throw e;
  }
}

async function checkAuthCommand(flags: Record<string, unknown>): Promise<void> {
  const resolved = resolveCheckAuthConfig({ flags, env: process.env });
  if (!resolved.ok) fail(formatConfigError(resolved.error), USAGE_ERROR);
  const { auth, token: source } = resolved.value;
  const { runCheckAuth } = await import('./auth/check-auth.ts');
  const token = source.kind === 'value' ? source.token : await readTokenFromStdin();
  if (token === '') fail('formgate: check-auth read no token from standard input', USAGE_ERROR);
  const { text, ok } = await runCheckAuth(auth, token);
  process.stdout.write(text);
  process.exitCode = ok ? 0 : 1;
}

async function readTokenFromStdin(): Promise<string> {
  if (process.stdin.isTTY) fail('formgate: --token-stdin reads a piped token (e.g. check-auth --token-stdin < token.txt); stdin is a terminal', USAGE_ERROR);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

async function checkForms(file: string): Promise<void> {
  const { formatFormsFileError, loadFormsFile } = await import('./forms/index.ts');
  const forms = await loadFormsFile(file);
  if (!forms.ok) fail(forms.error.map(formatFormsFileError).join('\n'), 1);
  const names = forms.value.list().map((f) => f.definition.name);
  process.stdout.write(`${file}: ${names.length} form${names.length === 1 ? '' : 's'} OK (${names.join(', ')})\n`);
}

async function openapi(write: boolean): Promise<void> {
  const { openApiYamlOffline } = await import('./host.ts');
  const yaml = openApiYamlOffline();
  if (!write) return void process.stdout.write(yaml);
  await writeFile(new URL('../openapi/formgate.yaml', import.meta.url), yaml);
  process.stdout.write('wrote openapi/formgate.yaml\n');
}

await yargs(hideBin(process.argv))
  .scriptName('formgate')
  .usage('$0 [command] [options]\n\nA forms API with pluggable authentication.')
  .command(['serve', '$0'], 'run the API server (the default command)', withServeOptions, (argv) => serve(argv))
  .command('migrate', 'apply database migrations and exit (safe to run from several replicas at once)', (y) => y.options({ 'database-url': SERVE_OPTIONS['database-url'], 'log-level': SERVE_OPTIONS['log-level'] }), (argv) => migrate(argv))
  .command(
    'check-auth',
    'validate one token against the identity service as serve would; print the identity and how long it would be cached, or the contract violation; exit 0 or 1',
    (y) => y.options(CHECK_AUTH_OPTIONS),
    (argv) => checkAuthCommand(argv),
  )
  .command('forms', 'work with form definition files', (y) =>
    y
      .command('check <file>', 'validate a form definitions file; exit 1 with every mistake if it has any', (c) => c.positional('file', { type: 'string', demandOption: true, describe: 'the YAML file' }), (argv) => checkForms(argv.file))
      .demandCommand(1, 'name a subcommand: formgate forms check FILE'),
  )
  .command('openapi', 'print the OpenAPI 3.1 document of this API', (y) => y.option('write', { type: 'boolean', describe: 'write it to openapi/formgate.yaml instead' }), (argv) => openapi(argv.write === true))
  .strict()
  .help()
  .alias('help', 'h')
  .version()
  .wrap(Math.min(120, process.stdout.columns || 100))
  .fail((message, error) => {
    if (error) throw error;
    fail(`formgate: ${message} (see formgate --help)`, USAGE_ERROR);
  })
  .parseAsync();
