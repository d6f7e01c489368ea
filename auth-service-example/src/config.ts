/**
 * Flags + environment → typed, deeply frozen configuration, one function per command.
 *
 * The resolvers are pure: they read nothing but their input (no process.env, no file system, no exit).
 * Precedence for every flag: the flag (kebab-case or camelCase key; `undefined` = not given), then its
 * environment twin `AUTH_<FLAG>` (empty = unset), then the default. The first problem found is returned
 * as a `ConfigError` whose message is one line naming the flag and what it expects.
 */
import { DURATION_FORMAT, parseDuration } from './duration.ts';
import { deepFreeze } from './freeze.ts';
import { LOG_LEVELS, type LogLevel } from './logger.ts';
import { err, ok, type Result } from './result.ts';

export const DEFAULT_PORT = 9000;
export const DEFAULT_HOST = '127.0.0.1';
// Where Formgate's `npm start` keeps them, so that the CLI run from the repository root edits what it serves.
export const DEFAULT_USERS_FILE = '.formgate/auth/users.yaml';
export const DEFAULT_KEY_FILE = '.formgate/auth/signing-key.json';
export const DEFAULT_TOKEN_TTL_S = 15 * 60;
/** Access tokens are short-lived by design; a day is the most this example will sign. */
export const MAX_TOKEN_TTL_S = 24 * 3600;
export const DEFAULT_REFRESH_TTL_S = 8 * 3600;
export const MAX_REFRESH_TTL_S = 30 * 86_400;

export interface ServeConfig {
  readonly port: number;
  readonly host: string;
  readonly usersPath: string;
  readonly keyFile: string;
  readonly tokenTtlS: number;
  /** How long an OpenID Connect sign-in can be refreshed, from the moment the password was checked. */
  readonly refreshTtlS: number;
  /** Absent: `http://<host>:<port>` of the address actually listened on (known only after listening on port 0). */
  readonly issuer?: string;
  readonly logLevel: LogLevel;
}

/** What `token NAME` needs to sign a token the server will accept. */
export interface TokenCommandConfig {
  readonly usersPath: string;
  readonly keyFile: string;
  readonly ttlS: number;
  readonly issuer: string;
}

export interface ConfigError {
  /** The flag at fault, kebab-case without dashes. */
  readonly flag: string;
  /** One line naming the flag and what it expects. */
  readonly message: string;
}

export interface ConfigInput {
  /** Parsed CLI flags (yargs output); `undefined` = not given. */
  readonly flags: Record<string, unknown>;
  /** The environment; only `AUTH_*` keys are read. */
  readonly env: Record<string, string | undefined>;
}

// ---------------------------------------------------------------------------------------------------
// Flag table (for yargs `.options()`; no yargs defaults, so "not given" stays undefined and env can apply)

export interface FlagSpec {
  readonly describe: string;
  readonly type: 'string';
  readonly defaultDescription: string;
}

const envHint = (flag: string): string => ` [env: ${envName(flag)}]`;

export const SERVE_OPTIONS = {
  port: { describe: 'port to listen on (0 picks a free port)' + envHint('port'), type: 'string', defaultDescription: String(DEFAULT_PORT) },
  host: { describe: 'address to listen on' + envHint('host'), type: 'string', defaultDescription: DEFAULT_HOST },
  users: { describe: 'the users, service accounts and OpenID Connect clients file (YAML)' + envHint('users'), type: 'string', defaultDescription: DEFAULT_USERS_FILE },
  'key-file': {
    describe: 'the signing key (a private JWK); created with mode 0600 on first start' + envHint('key-file'),
    type: 'string',
    defaultDescription: DEFAULT_KEY_FILE,
  },
  'token-ttl': { describe: `lifetime of issued access tokens: ${DURATION_FORMAT}, at most 1d` + envHint('token-ttl'), type: 'string', defaultDescription: '15m' },
  'refresh-ttl': {
    describe: `how long an OpenID Connect sign-in can be refreshed, from the login: ${DURATION_FORMAT}, 1m to 30d` + envHint('refresh-ttl'),
    type: 'string',
    defaultDescription: '8h',
  },
  issuer: {
    describe: 'the iss claim of issued tokens, checked on validation: the URL callers reach this service at' + envHint('issuer'),
    type: 'string',
    defaultDescription: 'http://<host>:<port>',
  },
  'log-level': { describe: `log level: ${LOG_LEVELS.join(', ')}` + envHint('log-level'), type: 'string', defaultDescription: 'info' },
} as const satisfies Record<string, FlagSpec>;

/** `key-file` → `AUTH_KEY_FILE`. */
export function envName(flag: string): string {
  return 'AUTH_' + flag.toUpperCase().replace(/-/g, '_');
}

// ---------------------------------------------------------------------------------------------------
// Reading one flag

interface Raw {
  readonly value: string;
  readonly source: 'flag' | 'env';
}

class Failure extends Error {
  constructor(readonly configError: ConfigError) {
    super(configError.message);
  }
}

function camelName(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** `--port: expected an integer from 0 to 65535, got "x" from AUTH_PORT` */
function invalid(flag: string, expected: string, raw: Raw, envFlag = flag): never {
  const shown = raw.value.length > 80 ? `${raw.value.slice(0, 77)}...` : raw.value;
  const from = raw.source === 'env' ? ` from ${envName(envFlag)}` : '';
  throw new Failure({ flag, message: `--${flag}: expected ${expected}, got ${JSON.stringify(shown)}${from} (flag --${flag} or ${envName(envFlag)})` });
}

/**
 * A flag's raw value: the flag, else its environment twin. `envFlag` names the twin when a command's
 * flag differs from serve's (`token --ttl` falls back to AUTH_TOKEN_TTL, as serve's `--token-ttl` does).
 */
function read(input: ConfigInput, flag: string, envFlag = flag): Raw | undefined {
  let v = input.flags[flag] ?? input.flags[camelName(flag)];
  // A repeated flag: the last one wins.
  if (Array.isArray(v)) v = v[v.length - 1];
  if (v !== undefined && v !== null) return { value: String(v).trim(), source: 'flag' };
  const e = input.env[envName(envFlag)];
  return e === undefined || e.trim() === '' ? undefined : { value: e.trim(), source: 'env' };
}

function port(input: ConfigInput): number {
  const raw = read(input, 'port');
  if (raw === undefined) return DEFAULT_PORT;
  const n = /^[0-9]{1,5}$/.test(raw.value) ? Number(raw.value) : NaN;
  if (!(n >= 0 && n <= 65_535)) invalid('port', 'an integer from 0 to 65535', raw);
  return n;
}

function host(input: ConfigInput): string {
  const raw = read(input, 'host');
  if (raw === undefined) return DEFAULT_HOST;
  if (raw.value === '' || /\s|\//.test(raw.value)) invalid('host', 'a host name or IP address such as 127.0.0.1 or 0.0.0.0', raw);
  return raw.value;
}

function path(input: ConfigInput, flag: 'users' | 'key-file', def: string): string {
  const raw = read(input, flag);
  if (raw === undefined) return def;
  if (raw.value === '') invalid(flag, 'a file path', raw);
  return raw.value;
}

function tokenTtl(input: ConfigInput, flag: 'token-ttl' | 'ttl'): number {
  const raw = read(input, flag, 'token-ttl');
  if (raw === undefined) return DEFAULT_TOKEN_TTL_S;
  const parsed = parseDuration(raw.value);
  if (!parsed.ok || parsed.value < 1 || parsed.value > MAX_TOKEN_TTL_S) invalid(flag, `${DURATION_FORMAT}, from 1s to 1d`, raw, 'token-ttl');
  return parsed.value;
}

function refreshTtl(input: ConfigInput): number {
  const raw = read(input, 'refresh-ttl');
  if (raw === undefined) return DEFAULT_REFRESH_TTL_S;
  const parsed = parseDuration(raw.value);
  if (!parsed.ok || parsed.value < 60 || parsed.value > MAX_REFRESH_TTL_S) invalid('refresh-ttl', `${DURATION_FORMAT}, from 1m to 30d`, raw);
  return parsed.value;
}

function issuer(input: ConfigInput): string | undefined {
  const raw = read(input, 'issuer');
  if (raw === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw.value);
  } catch {
    url = undefined;
  }
  const expected = 'an absolute http:// or https:// URL without credentials, query or fragment, such as http://auth.internal:9000';
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) invalid('issuer', expected, raw);
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') invalid('issuer', expected, raw);
  // Kept as written: the claim is compared as a string, so what the operator typed is what tokens carry.
  return raw.value;
}

function logLevel(input: ConfigInput): LogLevel {
  const raw = read(input, 'log-level');
  if (raw === undefined) return 'info';
  const found = LOG_LEVELS.find((l) => l === raw.value.toLowerCase());
  if (found === undefined) invalid('log-level', `one of ${LOG_LEVELS.join(', ')}`, raw);
  return found;
}

/** `http://127.0.0.1:9000`, `http://[::1]:9000`: the origin a listening address is reached at. */
export function originOf(hostName: string, portNumber: number): string {
  return `http://${hostName.includes(':') ? `[${hostName}]` : hostName}:${portNumber}`;
}

function attempt<T>(make: () => T): Result<T, ConfigError> {
  try {
    return ok(deepFreeze(make()));
  } catch (e) {
    if (e instanceof Failure) return err(e.configError);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------
// Per command

/** `serve`: flags + environment → one frozen `ServeConfig`, or the first mistake. Pure. */
export function resolveServeConfig(input: ConfigInput): Result<ServeConfig, ConfigError> {
  return attempt(() => {
    const iss = issuer(input);
    const config: ServeConfig = {
      port: port(input),
      host: host(input),
      usersPath: path(input, 'users', DEFAULT_USERS_FILE),
      keyFile: path(input, 'key-file', DEFAULT_KEY_FILE),
      tokenTtlS: tokenTtl(input, 'token-ttl'),
      refreshTtlS: refreshTtl(input),
      ...(iss === undefined ? {} : { issuer: iss }),
      logLevel: logLevel(input),
    };
    return config;
  });
}

/** `users …` and `service-accounts …`: which file to edit (AUTH_USERS applies, so they edit what serve reads). */
export function resolveUsersPath(input: ConfigInput): Result<string, ConfigError> {
  return attempt(() => path(input, 'users', DEFAULT_USERS_FILE));
}

/**
 * `token NAME`: the issuer defaults to the one serve would use with the same environment
 * (AUTH_ISSUER, else AUTH_HOST and AUTH_PORT), so a development token validates without extra flags.
 */
export function resolveTokenCommandConfig(input: ConfigInput): Result<TokenCommandConfig, ConfigError> {
  return attempt(() => {
    const serveEnvOnly: ConfigInput = { flags: {}, env: input.env };
    return {
      usersPath: path(input, 'users', DEFAULT_USERS_FILE),
      keyFile: path(input, 'key-file', DEFAULT_KEY_FILE),
      ttlS: tokenTtl(input, 'ttl'),
      issuer: issuer(input) ?? originOf(host(serveEnvOnly), port(serveEnvOnly)),
    };
  });
}
