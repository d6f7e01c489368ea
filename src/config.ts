/**
 * Flags + environment → one typed, deeply frozen `Config`.
 *
 * `resolveConfig` is pure: it reads nothing but its input (no process.env, no file system, no exit).
 * Precedence for every flag: the flag (kebab-case or camelCase key, `undefined` = not given), then its
 * environment twin `FORMGATE_<FLAG>` (empty = unset), then the default. The first problem found is
 * returned as a `ConfigError` whose message is one line naming the flag and the fix.
 */
import { deepFreeze } from './freeze.ts';
import { err, ok, type Result } from './result.ts';

// ---------------------------------------------------------------------------------------------------
// Public types

export const PROTECTION_DOMAINS = ['forms', 'documents'] as const;
export type ProtectionDomain = (typeof PROTECTION_DOMAINS)[number];

export const PROTECTION_LEVELS = ['all', 'writes', 'none'] as const;
export type ProtectionLevel = (typeof PROTECTION_LEVELS)[number];

export const AUTH_PROTOCOLS = ['formgate', 'oidc', 'introspection'] as const;
export type AuthProtocol = (typeof AUTH_PROTOCOLS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type DatabaseConfig =
  | { readonly kind: 'pglite-file'; readonly dir: string }
  | { readonly kind: 'pglite-memory' }
  | { readonly kind: 'postgres'; readonly url: string };

export type ProtectConfig = { readonly [D in ProtectionDomain]: ProtectionLevel };

export interface AuthCacheConfig {
  /** Maximum entries; 0 disables the cache. */
  readonly size: number;
  readonly maxTtlS: number;
  readonly defaultTtlS: number;
  readonly negativeTtlS: number;
  readonly staleIfErrorS: number;
}

export interface AuthConfig {
  /** The identity-service endpoint; absent when every domain is `none`. */
  readonly url?: string;
  readonly protocol: AuthProtocol;
  /** Checked by `/health`; `null` = not checked (`none`, or no auth-url). */
  readonly healthUrl: string | null;
  readonly timeoutMs: number;
  /** Calls to the identity service in flight at once; more wait up to `timeoutMs` for a slot, then get 503. */
  readonly maxCalls: number;
  readonly cache: AuthCacheConfig;
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly groupsClaim: string;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseConfig;
  readonly formsPath: string;
  readonly protect: ProtectConfig;
  readonly auth: AuthConfig;
  readonly adminGroup: string;
  readonly logLevel: LogLevel;
  readonly maxBodyBytes: number;
  /** Connections served at once; a few beyond it are answered 503, the rest closed at once. */
  readonly maxConnections: number;
  /** The longest a client may take to send one request, headers and body. */
  readonly requestTimeoutMs: number;
}

export interface ConfigError {
  /** The flag at fault, kebab-case without dashes (`port`, `auth-url`, `protect`, …). */
  flag: string;
  /** One line: names the flag and the fix. Never contains the client secret. */
  message: string;
}

export interface ConfigInput {
  /** Parsed CLI flags (yargs output): kebab-case or camelCase keys; `undefined` = not given. */
  flags: Record<string, unknown>;
  /** The environment (e.g. `process.env`); only `FORMGATE_*` keys are read. */
  env: Record<string, string | undefined>;
  /** `./forms.yaml` if it exists, else `examples/forms.yaml` — resolved by the caller. */
  defaultFormsPath: string;
}

// ---------------------------------------------------------------------------------------------------
// Flag table (for yargs `.options()`; passed without defaults so "not given" stays undefined)

export interface FlagSpec {
  describe: string;
  type: 'string' | 'number' | 'array' | 'boolean';
  defaultDescription: string;
  group?: string;
}

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PGLITE_DIR = './.formgate/data';
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const MAX_MAX_BODY_BYTES = 1024 * 1024 * 1024;
/**
 * The calls in flight are what Formgate puts on the identity service at once, whatever callers send. 32 at
 * 50 ms a call is 640 new tokens a second per replica, where a real user costs one call per cache TTL
 * (60–300 s), and 32 connections is a load a small identity service (a few cores) serves without queueing.
 */
export const DEFAULT_AUTH_MAX_CALLS = 32;
export const DEFAULT_MAX_CONNECTIONS = 1000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

const G_SERVER = 'Server:';
const G_PROTECT = 'Protection:';
const G_AUTH = 'Identity service:';
const G_CACHE = 'Identity cache:';

const envHint = (flag: string): string => ` [env: ${envName(flag)}]`;

/** Every `serve` flag, keyed by kebab-case name. Numeric flags are `type: 'string'` on purpose. */
export const SERVE_OPTIONS = {
  port: {
    describe: 'port to listen on (0 picks a free port)' + envHint('port'),
    type: 'string',
    defaultDescription: String(DEFAULT_PORT),
    group: G_SERVER,
  },
  host: {
    describe: 'address to listen on' + envHint('host'),
    type: 'string',
    defaultDescription: DEFAULT_HOST,
    group: G_SERVER,
  },
  'database-url': {
    describe:
      'postgres://… or postgresql://… for PostgreSQL; file://DIR for embedded PGlite; memory:// for in-memory PGlite' +
      envHint('database-url'),
    type: 'string',
    defaultDescription: `embedded PGlite in ${DEFAULT_PGLITE_DIR}`,
    group: G_SERVER,
  },
  forms: {
    describe: 'form definitions file (YAML)' + envHint('forms'),
    type: 'string',
    defaultDescription: './forms.yaml if it exists, else examples/forms.yaml',
    group: G_SERVER,
  },
  'max-body': {
    describe: 'largest request body: bytes or a size such as 512k, 2MiB (up to 1 GiB)' + envHint('max-body'),
    type: 'string',
    defaultDescription: '1MiB',
    group: G_SERVER,
  },
  'max-connections': {
    describe: 'connections served at once; a client beyond them gets 503 with Retry-After' + envHint('max-connections'),
    type: 'string',
    defaultDescription: String(DEFAULT_MAX_CONNECTIONS),
    group: G_SERVER,
  },
  'request-timeout': {
    describe:
      'the longest a client may take to send a request (its headers within at most 10 s of it), in milliseconds' +
      envHint('request-timeout'),
    type: 'string',
    defaultDescription: String(DEFAULT_REQUEST_TIMEOUT_MS),
    group: G_SERVER,
  },
  'log-level': {
    describe: `log level: ${LOG_LEVELS.join(', ')}` + envHint('log-level'),
    type: 'string',
    defaultDescription: 'info',
    group: G_SERVER,
  },
  protect: {
    describe:
      'all, writes or none for every domain; DOMAIN=LEVEL (repeatable) overrides one domain (forms, documents)' +
      ' [env: FORMGATE_PROTECT, comma-separated]',
    type: 'string',
    defaultDescription: 'all',
    group: G_PROTECT,
  },
  'admin-group': {
    describe: 'group whose members may use /api/v1/admin' + envHint('admin-group'),
    type: 'string',
    defaultDescription: 'admin',
    group: G_PROTECT,
  },
  'auth-url': {
    describe: 'identity service endpoint (http or https); required unless every domain is none' + envHint('auth-url'),
    type: 'string',
    defaultDescription: 'unset',
    group: G_AUTH,
  },
  'auth-protocol': {
    describe: `how to ask the identity service: ${AUTH_PROTOCOLS.join(', ')}` + envHint('auth-protocol'),
    type: 'string',
    defaultDescription: 'formgate',
    group: G_AUTH,
  },
  'auth-health-url': {
    describe: 'identity service health endpoint checked by /health; none skips the check' + envHint('auth-health-url'),
    type: 'string',
    defaultDescription: "auth-url's origin + /healthz",
    group: G_AUTH,
  },
  'auth-timeout': {
    describe: 'timeout of each identity service call, in milliseconds' + envHint('auth-timeout'),
    type: 'string',
    defaultDescription: '2000',
    group: G_AUTH,
  },
  'auth-max-calls': {
    describe:
      'identity service calls in flight at once; a call beyond them waits up to --auth-timeout for a slot, then its request gets 503' +
      envHint('auth-max-calls'),
    type: 'string',
    defaultDescription: String(DEFAULT_AUTH_MAX_CALLS),
    group: G_AUTH,
  },
  'auth-client-id': {
    describe: 'client id for introspection (HTTP Basic)' + envHint('auth-client-id'),
    type: 'string',
    defaultDescription: 'unset',
    group: G_AUTH,
  },
  'auth-client-secret': {
    describe: 'client secret for introspection (HTTP Basic)' + envHint('auth-client-secret'),
    type: 'string',
    defaultDescription: 'unset',
    group: G_AUTH,
  },
  'auth-groups-claim': {
    describe: 'claim holding the groups in OIDC and introspection answers' + envHint('auth-groups-claim'),
    type: 'string',
    defaultDescription: 'groups',
    group: G_AUTH,
  },
  'auth-cache-size': {
    describe: 'identity cache entries; 0 disables the cache' + envHint('auth-cache-size'),
    type: 'string',
    defaultDescription: '10000',
    group: G_CACHE,
  },
  'auth-cache-max-ttl': {
    describe: 'no identity is kept longer than this, in seconds' + envHint('auth-cache-max-ttl'),
    type: 'string',
    defaultDescription: '300',
    group: G_CACHE,
  },
  'auth-cache-default-ttl': {
    describe: 'how long to keep an identity whose answer names no TTL, in seconds' + envHint('auth-cache-default-ttl'),
    type: 'string',
    defaultDescription: '60',
    group: G_CACHE,
  },
  'auth-negative-ttl': {
    describe: 'how long a rejected token stays rejected without asking again, in seconds' + envHint('auth-negative-ttl'),
    type: 'string',
    defaultDescription: '5',
    group: G_CACHE,
  },
  'auth-stale-if-error': {
    describe:
      'how long an expired identity may still be used while the identity service fails, in seconds' +
      envHint('auth-stale-if-error'),
    type: 'string',
    defaultDescription: '0',
    group: G_CACHE,
  },
} as const satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof SERVE_OPTIONS;

/** `auth-cache-max-ttl` → `FORMGATE_AUTH_CACHE_MAX_TTL`. */
export function envName(flag: string): string {
  return 'FORMGATE_' + flag.toUpperCase().replace(/-/g, '_');
}

/** `auth-cache-max-ttl` → `authCacheMaxTtl` (the key yargs adds next to the kebab-case one). */
export function camelName(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** One line for stderr. */
export function formatConfigError(e: ConfigError): string {
  return `formgate: invalid configuration: ${e.message.replace(/\s*[\r\n]+\s*/g, ' ')}`;
}

// ---------------------------------------------------------------------------------------------------
// Resolution

class Failure extends Error {
  constructor(readonly configError: ConfigError) {
    super(configError.message);
  }
}

type Source = 'flag' | 'env' | 'default';

interface Raw {
  value: string;
  source: 'flag' | 'env';
}

const SECRET_FLAGS: ReadonlySet<string> = new Set(['auth-client-secret']);

/** The value as shown in a message: quoted, escaped, credentials hidden, shortened. */
function show(value: string): string {
  const redacted = value.replace(/\/\/[^/?#@\s]*@/g, '//***@');
  const short = redacted.length > 80 ? redacted.slice(0, 77) + '...' : redacted;
  return JSON.stringify(short);
}

function where(flag: string): string {
  return `(flag --${flag} or ${envName(flag)})`;
}

function fail(flag: string, message: string): never {
  throw new Failure({ flag, message });
}

/** `--port: expected …, got "abc" from FORMGATE_PORT (flag --port or FORMGATE_PORT)` */
function invalid(flag: string, expected: string, raw: Raw): never {
  const got = SECRET_FLAGS.has(flag) ? '' : `, got ${show(raw.value)}${raw.source === 'env' ? ` from ${envName(flag)}` : ''}`;
  return fail(flag, `--${flag}: expected ${expected}${got} ${where(flag)}`);
}

function flagValue(flags: Record<string, unknown>, flag: string): unknown {
  const kebab = flags[flag];
  return kebab !== undefined ? kebab : flags[camelName(flag)];
}

function scalarToString(flag: string, v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'bigint') return String(v);
  return fail(flag, `--${flag}: expected a value ${where(flag)}`);
}

interface Reader {
  /** A scalar flag: flag, else env twin, else undefined. Repeated flags: the last one wins. */
  scalar(flag: FlagName | 'token', opts?: { trim?: boolean }): Raw | undefined;
  /** `--protect`: every flag occurrence (each may hold a comma-separated list), else the env list. */
  list(flag: FlagName): { items: string[]; source: 'flag' | 'env' } | undefined;
}

function reader(flags: Record<string, unknown>, env: Record<string, string | undefined>): Reader {
  const fromEnv = (flag: string): string | undefined => {
    const v = env[envName(flag)];
    return v === undefined || v.trim() === '' ? undefined : v;
  };
  return {
    scalar(flag, opts = {}) {
      const trim = opts.trim ?? true;
      let v = flagValue(flags, flag);
      if (Array.isArray(v)) v = v.length === 0 ? '' : v[v.length - 1];
      if (v !== undefined) {
        const s = scalarToString(flag, v);
        return { value: trim ? s.trim() : s, source: 'flag' };
      }
      const e = fromEnv(flag);
      return e === undefined ? undefined : { value: trim ? e.trim() : e, source: 'env' };
    },
    list(flag) {
      const v = flagValue(flags, flag);
      if (v !== undefined) {
        const parts = (Array.isArray(v) ? v : [v]).map((x) => scalarToString(flag, x));
        return { items: splitList(parts), source: 'flag' };
      }
      const e = fromEnv(flag);
      return e === undefined ? undefined : { items: splitList([e]), source: 'env' };
    },
  };
}

function splitList(parts: string[]): string[] {
  return parts
    .flatMap((p) => p.split(','))
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

// --- value parsers -----------------------------------------------------------------------------------

function integer(r: Reader, flag: FlagName, def: number, min: number, max: number, unit = ''): number {
  const raw = r.scalar(flag);
  if (raw === undefined) return def;
  const n = /^[0-9]+$/.test(raw.value) ? Number(raw.value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    invalid(flag, `an integer from ${min} to ${max}${unit}`, raw);
  }
  return n;
}

function nonEmpty(r: Reader, flag: FlagName, def: string, what: string): string {
  const raw = r.scalar(flag);
  if (raw === undefined) return def;
  if (raw.value === '') invalid(flag, what, raw);
  return raw.value;
}

function choice<T extends string>(r: Reader, flag: FlagName, allowed: readonly T[], def: T): T {
  const raw = r.scalar(flag);
  if (raw === undefined) return def;
  const v = raw.value.toLowerCase();
  const found = allowed.find((a) => a === v);
  if (found === undefined) invalid(flag, `one of ${allowed.join(', ')}`, raw);
  return found;
}

function httpUrl(flag: FlagName, raw: Raw, extra = ''): string {
  let u: URL | undefined;
  try {
    u = new URL(raw.value);
  } catch {
    u = undefined;
  }
  if (u === undefined || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
    invalid(flag, `an absolute http:// or https:// URL${extra}`, raw);
  }
  // fetch refuses URLs with credentials, and a password in a URL ends up in logs: say so at startup.
  if (u.username !== '' || u.password !== '') {
    fail(flag, `--${flag}: the URL must not carry a user name or password; introspection credentials go in --auth-client-id and --auth-client-secret ${where(flag)}`);
  }
  return raw.value;
}

function database(r: Reader): DatabaseConfig {
  const flag = 'database-url';
  const raw = r.scalar(flag);
  if (raw === undefined) return { kind: 'pglite-file', dir: DEFAULT_PGLITE_DIR };
  const v = raw.value;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(v)?.[1]?.toLowerCase();
  const forms = 'postgres://…, postgresql://…, file://DIR or memory://';
  if (scheme === 'postgres' || scheme === 'postgresql') {
    if (!/^[a-z]+:\/\//i.test(v)) {
      fail(flag, `--${flag}: expected ${forms}; a PostgreSQL URL starts with ${scheme}:// ${where(flag)}`);
    }
    return { kind: 'postgres', url: v };
  }
  if (scheme === 'file') {
    const dir = v.replace(/^file:(\/\/)?/i, '');
    if (dir === '') fail(flag, `--${flag}: file:// needs a directory, e.g. file://./data or file:///var/lib/formgate ${where(flag)}`);
    return { kind: 'pglite-file', dir };
  }
  if (scheme === 'memory') {
    if (!/^memory:(\/\/)?$/i.test(v)) fail(flag, `--${flag}: expected memory:// with nothing after it ${where(flag)}`);
    return { kind: 'pglite-memory' };
  }
  // Only the scheme is echoed: a database URL usually carries a password.
  const got = scheme === undefined ? 'a value without a scheme' : `the scheme "${scheme}:"`;
  return fail(flag, `--${flag}: expected ${forms}, got ${got} ${where(flag)}`);
}

function maxBody(r: Reader): number {
  const flag = 'max-body';
  const raw = r.scalar(flag);
  if (raw === undefined) return DEFAULT_MAX_BODY_BYTES;
  const m = /^([0-9]+)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(raw.value);
  const units: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
  const n = m?.[1] === undefined ? NaN : Number(m[1]) * (units[(m[2] ?? 'b')[0]!.toLowerCase()] ?? NaN);
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_MAX_BODY_BYTES) {
    invalid(flag, 'a size from 1 byte to 1 GiB, in bytes or with a unit (e.g. 1048576, 512k, 512KiB, 2MB, 1MiB)', raw);
  }
  return n;
}

function protect(r: Reader): { protect: ProtectConfig; source: Source } {
  const flag = 'protect';
  const levels: Record<ProtectionDomain, ProtectionLevel> = { forms: 'all', documents: 'all' };
  const given = r.list(flag);
  if (given === undefined) return { protect: levels, source: 'default' };
  const src = given.source === 'env' ? ` from ${envName(flag)}` : '';
  const hint = `(flag --${flag}, repeatable, or ${envName(flag)}, comma-separated)`;
  const level = (item: string, v: string): ProtectionLevel => {
    const found = PROTECTION_LEVELS.find((l) => l === v.toLowerCase());
    if (found === undefined) {
      const inItem = item === v ? '' : ` in ${show(item)}`;
      fail(flag, `--${flag}: unknown level ${show(v)}${inItem}${src}; expected ${PROTECTION_LEVELS.join(', ')} ${hint}`);
    }
    return found;
  };
  if (given.items.length === 0) {
    fail(flag, `--${flag}: expected ${PROTECTION_LEVELS.join(', ')} or DOMAIN=LEVEL ${hint}`);
  }
  for (const item of given.items) {
    const eq = item.indexOf('=');
    if (eq === -1) {
      const l = level(item, item);
      for (const d of PROTECTION_DOMAINS) levels[d] = l;
      continue;
    }
    const name = item.slice(0, eq).trim();
    const domain = PROTECTION_DOMAINS.find((d) => d === name.toLowerCase());
    if (domain === undefined) {
      fail(flag, `--${flag}: unknown domain ${show(name)} in ${show(item)}${src}; expected ${PROTECTION_DOMAINS.join(', ')} ${hint}`);
    }
    levels[domain] = level(item, item.slice(eq + 1).trim());
  }
  return { protect: levels, source: given.source };
}

/** How the effective protection reads as flags: `all` when uniform, else the protected domains. */
function describeProtection(p: ProtectConfig): string {
  const first = p[PROTECTION_DOMAINS[0]];
  if (PROTECTION_DOMAINS.every((d) => p[d] === first)) return first;
  return PROTECTION_DOMAINS.filter((d) => p[d] !== 'none')
    .map((d) => `${d}=${p[d]}`)
    .join(',');
}

function build(input: ConfigInput): Config {
  const r = reader(input.flags, input.env);

  const port = integer(r, 'port', DEFAULT_PORT, 0, 65535);
  const hostRaw = r.scalar('host');
  if (hostRaw !== undefined && (hostRaw.value === '' || /\s/.test(hostRaw.value))) {
    invalid('host', 'a host name or address such as 127.0.0.1, 0.0.0.0 or ::', hostRaw);
  }
  const host = hostRaw?.value ?? DEFAULT_HOST;
  const db = database(r);
  const formsPath = nonEmpty(r, 'forms', input.defaultFormsPath, 'the path of a form definitions file');
  const maxBodyBytes = maxBody(r);
  const maxConnections = integer(r, 'max-connections', DEFAULT_MAX_CONNECTIONS, 1, 1_000_000);
  const requestTimeoutMs = integer(r, 'request-timeout', DEFAULT_REQUEST_TIMEOUT_MS, 100, 3_600_000, ' (milliseconds)');
  const logLevel = choice(r, 'log-level', LOG_LEVELS, 'info');
  const { protect: prot, source: protectSource } = protect(r);
  const adminGroup = nonEmpty(r, 'admin-group', 'admin', 'a group name');

  const auth = authSettings(r);

  // --- rules across flags ---
  const protectedDomains = PROTECTION_DOMAINS.filter((d) => prot[d] !== 'none');
  if (auth.url === undefined && protectedDomains.length > 0) {
    const what = describeProtection(prot);
    const dflt = protectSource === 'default' ? ' (the default)' : '';
    fail(
      'protect',
      `--protect ${what}${dflt} needs an identity service: pass --auth-url URL (FORMGATE_AUTH_URL), ` +
        `or use --protect none (FORMGATE_PROTECT=none) to open every domain`,
    );
  }
  return { port, host, database: db, formsPath, protect: prot, auth, adminGroup, logLevel, maxBodyBytes, maxConnections, requestTimeoutMs };
}

/** The identity-service flags, shared by `serve` and `check-auth`, with the rules among them. */
function authSettings(r: Reader): AuthConfig {
  const urlRaw = r.scalar('auth-url');
  const authUrl = urlRaw === undefined ? undefined : httpUrl('auth-url', urlRaw);
  const protocol = choice(r, 'auth-protocol', AUTH_PROTOCOLS, 'formgate');
  const healthRaw = r.scalar('auth-health-url');
  let healthUrl: string | null;
  if (healthRaw === undefined) healthUrl = authUrl === undefined ? null : new URL(authUrl).origin + '/healthz';
  else if (healthRaw.value.toLowerCase() === 'none') healthUrl = null;
  else healthUrl = httpUrl('auth-health-url', healthRaw, ', or none to skip the check');
  const timeoutMs = integer(r, 'auth-timeout', 2000, 1, 600_000, ' (milliseconds)');
  const maxCalls = integer(r, 'auth-max-calls', DEFAULT_AUTH_MAX_CALLS, 1, 100_000);
  const clientId = r.scalar('auth-client-id');
  if (clientId?.value === '') invalid('auth-client-id', 'a non-empty client id', clientId);
  const clientSecret = r.scalar('auth-client-secret', { trim: false });
  if (clientSecret !== undefined && clientSecret.value.trim() === '') {
    invalid('auth-client-secret', 'a non-empty client secret', clientSecret);
  }
  const groupsClaim = nonEmpty(r, 'auth-groups-claim', 'groups', 'a claim name such as groups or roles');

  const TTL_MAX = 31_536_000; // one year
  const cache: AuthCacheConfig = {
    size: integer(r, 'auth-cache-size', 10_000, 0, 1_000_000, ' (0 disables the cache)'),
    maxTtlS: integer(r, 'auth-cache-max-ttl', 300, 0, TTL_MAX, ' (seconds)'),
    defaultTtlS: integer(r, 'auth-cache-default-ttl', 60, 0, TTL_MAX, ' (seconds)'),
    negativeTtlS: integer(r, 'auth-negative-ttl', 5, 0, TTL_MAX, ' (seconds)'),
    staleIfErrorS: integer(r, 'auth-stale-if-error', 0, 0, TTL_MAX, ' (seconds)'),
  };

  if (protocol === 'introspection' && (clientId === undefined || clientSecret === undefined)) {
    fail(
      clientId === undefined ? 'auth-client-id' : 'auth-client-secret',
      '--auth-protocol introspection needs client credentials: pass --auth-client-id ID (FORMGATE_AUTH_CLIENT_ID) ' +
        'and --auth-client-secret SECRET (FORMGATE_AUTH_CLIENT_SECRET)',
    );
  }
  for (const [flag, value] of [
    ['auth-cache-default-ttl', cache.defaultTtlS],
    ['auth-negative-ttl', cache.negativeTtlS],
  ] as const) {
    if (value > cache.maxTtlS) {
      fail(
        flag,
        `--${flag}: ${value} s exceeds --auth-cache-max-ttl ${cache.maxTtlS} s; lower --${flag} (${envName(flag)}) ` +
          `or raise --auth-cache-max-ttl (FORMGATE_AUTH_CACHE_MAX_TTL)`,
      );
    }
  }

  return {
    ...(authUrl === undefined ? {} : { url: authUrl }),
    protocol,
    healthUrl,
    timeoutMs,
    maxCalls,
    cache,
    ...(clientId === undefined ? {} : { clientId: clientId.value }),
    ...(clientSecret === undefined ? {} : { clientSecret: clientSecret.value }),
    groupsClaim,
  };
}


/** Flags + environment → one deeply frozen `Config`, or the first problem found. Pure. */
export function resolveConfig(input: ConfigInput): Result<Config, ConfigError> {
  return attempt(() => build(input));
}

/** The part of the configuration `formgate migrate` needs: it must not trip over flags only `serve` reads. */
export type MigrateConfig = Pick<Config, 'database' | 'logLevel'>;

export function resolveMigrateConfig(input: Omit<ConfigInput, 'defaultFormsPath'>): Result<MigrateConfig, ConfigError> {
  return attempt(() => {
    const r = reader(input.flags, input.env);
    return { database: database(r), logLevel: choice(r, 'log-level', LOG_LEVELS, 'info') };
  });
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
// check-auth

/** The flags `formgate check-auth` takes: the identity-service ones, and the token to try. */
export const CHECK_AUTH_OPTIONS = {
  ...Object.fromEntries(
    (Object.keys(SERVE_OPTIONS) as FlagName[]).filter((flag) => flag.startsWith('auth-')).map((flag) => [flag, SERVE_OPTIONS[flag]]),
  ),
  token: {
    describe: 'the bearer token to validate (FORMGATE_TOKEN or --token-stdin keep it out of the process list)' + envHint('token'),
    type: 'string',
    defaultDescription: 'none',
  },
  'token-stdin': {
    describe: 'read the token from standard input instead',
    type: 'boolean',
    defaultDescription: 'false',
  },
} as Record<string, FlagSpec>;

export type TokenSource = { readonly kind: 'value'; readonly token: string } | { readonly kind: 'stdin' };

export interface CheckAuthConfig {
  readonly auth: AuthConfig & { readonly url: string };
  readonly token: TokenSource;
}

export function resolveCheckAuthConfig(input: Omit<ConfigInput, 'defaultFormsPath'>): Result<CheckAuthConfig, ConfigError> {
  return attempt(() => {
    const r = reader(input.flags, input.env);
    const auth = authSettings(r);
    if (auth.url === undefined) fail('auth-url', 'check-auth needs the identity service: pass --auth-url URL (FORMGATE_AUTH_URL)');
    const raw = r.scalar('token');
    const fromStdin = flagValue(input.flags, 'token-stdin') === true;
    if (fromStdin && raw !== undefined) fail('token', 'check-auth takes the token from --token (FORMGATE_TOKEN) or --token-stdin, not both');
    if (!fromStdin && (raw === undefined || raw.value === '')) {
      fail('token', 'check-auth needs a token to validate: pass --token TOKEN, set FORMGATE_TOKEN, or pipe it in with --token-stdin');
    }
    const token: TokenSource = fromStdin || raw === undefined ? { kind: 'stdin' } : { kind: 'value', token: raw.value };
    return { auth: { ...auth, url: auth.url }, token };
  });
}
