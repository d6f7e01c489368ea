import type { Result } from '../src/result.ts';
import { describe, expect, it } from 'vitest';
import yargs, { type Options } from 'yargs';
import {
  CHECK_AUTH_OPTIONS,
  SERVE_OPTIONS,
  camelName,
  envName,
  formatConfigError,
  resolveConfig,
  resolveCheckAuthConfig,
  resolveMigrateConfig,
  type CheckAuthConfig,
  type Config,
  type ConfigError,
  type FlagName,
} from '../src/config/index.ts';

const AUTH = 'https://id.example/v1/check';
const FORMS_DEFAULT = 'examples/forms.yaml';

type Flags = Record<string, unknown>;
type Env = Record<string, string | undefined>;

function resolve(flags: Flags = {}, env: Env = {}) {
  return resolveConfig({ flags, env, defaultFormsPath: FORMS_DEFAULT });
}

/** The value of a result that must have succeeded, for serve's and check-auth's configuration alike. */
function expectValue<T>(r: Result<T, ConfigError>): T {
  if (!r.ok) throw new Error(`expected a config, got: ${r.error.message}`);
  return r.value;
}

function expectError<T>(r: Result<T, ConfigError>): ConfigError {
  if (r.ok) throw new Error(`expected an error, got: ${JSON.stringify(r.value)}`);
  return r.error;
}

const good = (flags: Flags = {}, env: Env = {}): Config => expectValue(resolve(flags, env));
const bad = (flags: Flags = {}, env: Env = {}): ConfigError => expectError(resolve(flags, env));

describe('defaults', () => {
  it('fills every default when only --auth-url is given', () => {
    expect(good({ 'auth-url': AUTH })).toEqual({
      port: 8080,
      host: '127.0.0.1',
      database: { kind: 'pglite-file', dir: './.formgate/data' },
      formsPath: FORMS_DEFAULT,
      protect: { forms: 'all', documents: 'all' },
      auth: {
        url: AUTH,
        protocol: 'formgate',
        healthUrl: 'https://id.example/healthz',
        timeoutMs: 2000,
        maxCalls: 32,
        cache: { size: 10000, maxTtlS: 300, defaultTtlS: 60, negativeTtlS: 5, staleIfErrorS: 0 },
        groupsClaim: 'groups',
      },
      adminGroup: 'admin',
      logLevel: 'info',
      maxBodyBytes: 1048576,
      maxConnections: 1000,
      requestTimeoutMs: 30000,
      api: true,
      web: { api: { kind: 'in-process' }, forms: null, publicUrl: 'http://127.0.0.1:8080', signIn: null, sessionSecrets: null },
    } satisfies Config);
  });

  it('has no auth url, health url or credentials when every domain is open', () => {
    const c = good({ protect: ['none'] });
    expect(c.protect).toEqual({ forms: 'none', documents: 'none' });
    expect(c.auth.url).toBeUndefined();
    expect(c.auth.healthUrl).toBeNull();
    expect('url' in c.auth).toBe(false);
    expect('clientId' in c.auth).toBe(false);
    expect('clientSecret' in c.auth).toBe(false);
  });

  it('uses the forms path the caller resolved', () => {
    const c = resolveConfig({ flags: { protect: 'none' }, env: {}, defaultFormsPath: './forms.yaml' });
    expect(c.ok && c.value.formsPath).toBe('./forms.yaml');
  });

  it('treats undefined flags and empty env values as not given', () => {
    const flags: Flags = { 'auth-url': AUTH };
    const env: Env = { FORMGATE_AUTH_URL: 'http://ignored.example' };
    for (const name of Object.keys(SERVE_OPTIONS)) {
      if (name === 'auth-url') continue;
      flags[name] = undefined;
      flags[camelName(name)] = undefined;
      env[envName(name)] = '';
    }
    env.FORMGATE_PORT = '   ';
    expect(good(flags, env)).toEqual(good({ 'auth-url': AUTH }));
  });
});

/** For every flag: two valid non-default values and what each becomes in the Config. */
interface Sample {
  a: string | string[];
  b: string;
  get: (c: Config) => unknown;
  aIs: unknown;
  bIs: unknown;
  /** The other flags this one needs to be valid (default: --auth-url). */
  base?: Flags;
  /** The flag has no default to differ from (the base needs it), or its two samples mean the same. */
  loose?: true;
}

const SECRET_A = 'a'.repeat(32);
const SECRET_B = 'b'.repeat(40);
const SIGN_IN = { 'auth-url': 'https://id.example/check', 'ui-issuer': 'https://id.example', 'ui-client-id': 'web', 'ui-client-secret': 'cs', 'ui-session-secret': SECRET_A };
const JWT: Flags = { 'auth-protocol': 'jwt', 'auth-issuer': 'https://id.example', 'auth-audience': 'formgate' };
const without = (flag: string): Flags => Object.fromEntries(Object.entries(SIGN_IN).filter(([k]) => k !== flag));

const SAMPLES: Record<FlagName, Sample> = {
  port: { a: '0', b: '3000', get: (c) => c.port, aIs: 0, bIs: 3000 },
  host: { a: '0.0.0.0', b: '::', get: (c) => c.host, aIs: '0.0.0.0', bIs: '::' },
  'database-url': {
    a: 'memory://',
    b: 'postgres://u:p@db:5432/formgate',
    get: (c) => c.database,
    aIs: { kind: 'pglite-memory' },
    bIs: { kind: 'postgres', url: 'postgres://u:p@db:5432/formgate' },
  },
  forms: { a: 'a.yaml', b: '/etc/b.yaml', get: (c) => c.formsPath, aIs: 'a.yaml', bIs: '/etc/b.yaml' },
  'max-body': { a: '2m', b: '512k', get: (c) => c.maxBodyBytes, aIs: 2 * 1024 * 1024, bIs: 512 * 1024 },
  'max-connections': { a: '5', b: '20000', get: (c) => c.maxConnections, aIs: 5, bIs: 20000 },
  'request-timeout': { a: '100', b: '120000', get: (c) => c.requestTimeoutMs, aIs: 100, bIs: 120000 },
  'log-level': { a: 'debug', b: 'silent', get: (c) => c.logLevel, aIs: 'debug', bIs: 'silent' },
  protect: {
    a: ['writes'],
    b: 'documents=none',
    get: (c) => c.protect,
    aIs: { forms: 'writes', documents: 'writes' },
    bIs: { forms: 'all', documents: 'none' },
  },
  'admin-group': { a: 'ops', b: 'root', get: (c) => c.adminGroup, aIs: 'ops', bIs: 'root' },
  'auth-url': {
    a: 'http://a.example:9000/check',
    b: 'https://b.example/x',
    get: (c) => [c.auth.url, c.auth.healthUrl],
    aIs: ['http://a.example:9000/check', 'http://a.example:9000/healthz'],
    bIs: ['https://b.example/x', 'https://b.example/healthz'],
  },
  'auth-protocol': { a: 'oidc', b: 'INTROSPECTION', get: (c) => c.auth.protocol, aIs: 'oidc', bIs: 'introspection' },
  'auth-health-url': {
    a: 'none',
    b: 'http://health.example/up',
    get: (c) => c.auth.healthUrl,
    aIs: null,
    bIs: 'http://health.example/up',
  },
  'auth-timeout': { a: '1', b: '1500', get: (c) => c.auth.timeoutMs, aIs: 1, bIs: 1500 },
  'auth-max-calls': { a: '1', b: '100000', get: (c) => c.auth.maxCalls, aIs: 1, bIs: 100_000 },
  'auth-client-id': { a: 'id-a', b: 'id-b', get: (c) => c.auth.clientId, aIs: 'id-a', bIs: 'id-b' },
  'auth-client-secret': { a: 's-a', b: 's-b', get: (c) => c.auth.clientSecret, aIs: 's-a', bIs: 's-b' },
  'auth-issuer': {
    a: 'https://a.example/realms/x',
    b: 'http://127.0.0.1:9000',
    get: (c) => c.auth.jwt?.issuer,
    aIs: 'https://a.example/realms/x',
    bIs: 'http://127.0.0.1:9000',
    base: { 'auth-protocol': 'jwt', 'auth-audience': 'formgate' },
    loose: true,
  },
  'auth-jwks-url': {
    a: 'https://a.example/jwks.json',
    b: 'http://localhost:9000/keys',
    get: (c) => c.auth.jwt?.jwksUrl,
    aIs: 'https://a.example/jwks.json',
    bIs: 'http://localhost:9000/keys',
    base: JWT,
  },
  'auth-audience': {
    a: ['api', 'formgate'],
    b: 'https://api.example/ , other',
    get: (c) => c.auth.jwt?.audiences,
    aIs: ['api', 'formgate'],
    bIs: ['https://api.example/', 'other'],
    base: { 'auth-protocol': 'jwt', 'auth-issuer': 'https://id.example' },
    loose: true,
  },
  'auth-algorithms': { a: ['RS256', 'es256'], b: 'EdDSA', get: (c) => c.auth.jwt?.algorithms, aIs: ['RS256', 'ES256'], bIs: ['EdDSA'], base: JWT },
  'auth-clock-tolerance': { a: '0', b: '300', get: (c) => c.auth.jwt?.clockToleranceS, aIs: 0, bIs: 300, base: JWT },
  'auth-jwks-stale': { a: '0', b: '2592000', get: (c) => c.auth.jwt?.keySetStaleS, aIs: 0, bIs: 2_592_000, base: JWT },
  'auth-jwks-cooldown': { a: '1', b: '3600', get: (c) => c.auth.jwt?.keySetCooldownS, aIs: 1, bIs: 3600, base: JWT },
  'auth-max-token-lifetime': { a: '3600', b: '31536000', get: (c) => c.auth.jwt?.maxTokenLifetimeS, aIs: 3600, bIs: 31_536_000, base: JWT },
  'auth-groups-claim': { a: 'roles', b: 'realm_roles', get: (c) => c.auth.groupsClaim, aIs: 'roles', bIs: 'realm_roles' },
  'auth-cache-size': { a: '0', b: '500', get: (c) => c.auth.cache.size, aIs: 0, bIs: 500 },
  'auth-cache-max-ttl': { a: '600', b: '120', get: (c) => c.auth.cache.maxTtlS, aIs: 600, bIs: 120 },
  'auth-cache-default-ttl': { a: '30', b: '0', get: (c) => c.auth.cache.defaultTtlS, aIs: 30, bIs: 0 },
  'auth-negative-ttl': { a: '1', b: '0', get: (c) => c.auth.cache.negativeTtlS, aIs: 1, bIs: 0 },
  'auth-stale-if-error': { a: '30', b: '3600', get: (c) => c.auth.cache.staleIfErrorS, aIs: 30, bIs: 3600 },
  ui: { a: 'false', b: 'no', get: (c) => c.web, aIs: null, bIs: null, loose: true },
  api: { a: 'false', b: 'no', get: (c) => c.api, aIs: false, bIs: false, base: { 'api-url': 'http://api.internal:8080' }, loose: true },
  'api-url': {
    a: 'http://api.internal:8080/',
    b: 'https://api.example/formgate',
    get: (c) => (c.web?.api.kind === 'remote' ? c.web.api.url : undefined),
    aIs: 'http://api.internal:8080',
    bIs: 'https://api.example/formgate',
    base: { api: 'false' },
    loose: true,
  },
  'api-timeout': { a: '100', b: '60000', get: (c) => (c.web?.api.kind === 'remote' ? c.web.api.timeoutMs : undefined), aIs: 100, bIs: 60000, base: { api: 'false', 'api-url': 'http://api.internal:8080' }, loose: true },
  'ui-forms': { a: ['contact', 'feedback'], b: 'survey, contact', get: (c) => c.web?.forms, aIs: ['contact', 'feedback'], bIs: ['survey', 'contact'] },
  'ui-issuer': {
    a: 'https://a.example',
    b: 'http://127.0.0.1:9000/',
    get: (c) => c.web?.signIn?.issuer,
    aIs: 'https://a.example',
    bIs: 'http://127.0.0.1:9000/',
    base: without('ui-issuer'),
    loose: true,
  },
  'ui-client-id': { a: 'id-a', b: 'id-b', get: (c) => c.web?.signIn?.clientId, aIs: 'id-a', bIs: 'id-b', base: without('ui-client-id'), loose: true },
  'ui-client-secret': {
    a: 's-a',
    b: 's-b',
    get: (c) => c.web?.signIn?.clientSecret,
    aIs: { kind: 'value', value: 's-a' },
    bIs: { kind: 'value', value: 's-b' },
    base: without('ui-client-secret'),
    loose: true,
  },
  'ui-client-secret-file': {
    a: 'a.txt',
    b: '/run/secrets/b',
    get: (c) => c.web?.signIn?.clientSecret,
    aIs: { kind: 'file', path: 'a.txt' },
    bIs: { kind: 'file', path: '/run/secrets/b' },
    base: without('ui-client-secret'),
    loose: true,
  },
  'ui-public-url': {
    a: 'https://forms.example.org',
    b: 'http://localhost:3000/',
    get: (c) => c.web?.publicUrl,
    aIs: 'https://forms.example.org',
    bIs: 'http://localhost:3000',
  },
  'ui-session-secret': {
    a: [SECRET_A],
    b: `${SECRET_B},${SECRET_A}`,
    get: (c) => c.web?.sessionSecrets,
    aIs: { kind: 'values', values: [SECRET_A] },
    bIs: { kind: 'values', values: [SECRET_B, SECRET_A] },
  },
  'ui-session-secret-file': {
    a: 'a.txt',
    b: '/run/secrets/session',
    get: (c) => c.web?.sessionSecrets,
    aIs: { kind: 'file', path: 'a.txt' },
    bIs: { kind: 'file', path: '/run/secrets/session' },
  },
};

const FLAG_NAMES = Object.keys(SERVE_OPTIONS) as FlagName[];

/** Valid flags for everything but `except`, so the flag under test is the only one that varies. */
function baseFlags(except: FlagName): Flags {
  const base = SAMPLES[except].base;
  if (base !== undefined) return base;
  if (except === 'auth-url') return { protect: 'none' };
  if (except === 'auth-protocol') return { 'auth-url': AUTH, 'auth-client-id': 'id', 'auth-client-secret': 'secret' };
  return { 'auth-url': AUTH };
}

describe('flag, env twin and precedence for every flag', () => {
  it('has a sample for every flag in SERVE_OPTIONS', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...FLAG_NAMES].sort());
  });

  describe.each(FLAG_NAMES)('--%s', (name) => {
    const s = SAMPLES[name];
    const env = envName(name);
    const first = Array.isArray(s.a) ? s.a : [s.a];

    it.skipIf(s.loose === true)('samples differ from the default and from each other', () => {
      const dflt = s.get(good(baseFlags(name), {}));
      expect(s.aIs).not.toEqual(dflt);
      expect(s.bIs).not.toEqual(dflt);
      expect(s.aIs).not.toEqual(s.bIs);
    });

    it('reads the kebab-case flag', () => {
      expect(s.get(good({ ...baseFlags(name), [name]: s.a }))).toEqual(s.aIs);
    });

    it('reads the camelCase flag', () => {
      expect(s.get(good({ ...baseFlags(name), [camelName(name)]: s.a }))).toEqual(s.aIs);
    });

    it(`reads the env twin ${env}`, () => {
      expect(s.get(good(baseFlags(name), { [env]: s.b }))).toEqual(s.bIs);
    });

    it('prefers the flag to the env twin', () => {
      expect(s.get(good({ ...baseFlags(name), [name]: s.a }, { [env]: s.b }))).toEqual(s.aIs);
    });

    it('prefers the env twin to the default', () => {
      expect(s.get(good(baseFlags(name), { [env]: first.join(',') }))).toEqual(s.aIs);
    });
  });

  it('takes the last of a repeated scalar flag', () => {
    expect(good({ 'auth-url': AUTH, port: ['1', '2'] }).port).toBe(2);
  });

  it('accepts numbers from a programmatic caller', () => {
    expect(good({ 'auth-url': AUTH, port: 9000, 'auth-timeout': 10 }).auth.timeoutMs).toBe(10);
  });

  it('names env twins in upper snake case', () => {
    expect(envName('port')).toBe('FORMGATE_PORT');
    expect(envName('auth-url')).toBe('FORMGATE_AUTH_URL');
    expect(envName('max-body')).toBe('FORMGATE_MAX_BODY');
    expect(envName('auth-cache-max-ttl')).toBe('FORMGATE_AUTH_CACHE_MAX_TTL');
  });
});

describe('--database-url', () => {
  it.each([
    ['file://./data', { kind: 'pglite-file', dir: './data' }],
    ['file://data', { kind: 'pglite-file', dir: 'data' }],
    ['file:///var/lib/x', { kind: 'pglite-file', dir: '/var/lib/x' }],
    ['memory://', { kind: 'pglite-memory' }],
    ['MEMORY://', { kind: 'pglite-memory' }],
    ['postgres://u:p@localhost:5432/db', { kind: 'postgres', url: 'postgres://u:p@localhost:5432/db' }],
    ['postgresql://localhost/db?sslmode=require', { kind: 'postgres', url: 'postgresql://localhost/db?sslmode=require' }],
  ])('%s', (url, expected) => {
    expect(good({ protect: 'none', 'database-url': url }).database).toEqual(expected);
  });

  it.each(['mysql://u:hunter2@h/db', 'sqlite:db.sqlite', './data', 'file://', 'memory://x', 'postgres:db', ''])(
    'rejects %j without echoing credentials',
    (url) => {
      const e = bad({ protect: 'none', 'database-url': url });
      expect(e.flag).toBe('database-url');
      expect(e.message).toContain('--database-url');
      expect(e.message).not.toContain('hunter2');
    },
  );
});

describe('--protect', () => {
  it.each<[string[] | string, Env, { forms: string; documents: string }]>([
    [['all'], {}, { forms: 'all', documents: 'all' }],
    [['writes'], {}, { forms: 'writes', documents: 'writes' }],
    [['none'], {}, { forms: 'none', documents: 'none' }],
    ['writes', {}, { forms: 'writes', documents: 'writes' }],
    [['forms=none'], {}, { forms: 'none', documents: 'all' }],
    [['documents=writes'], {}, { forms: 'all', documents: 'writes' }],
    [['writes', 'documents=all'], {}, { forms: 'writes', documents: 'all' }],
    [['forms=none', 'documents=writes'], {}, { forms: 'none', documents: 'writes' }],
    [['forms=none', 'all'], {}, { forms: 'all', documents: 'all' }],
    [['documents=none', 'documents=writes'], {}, { forms: 'all', documents: 'writes' }],
    [['writes,documents=all'], {}, { forms: 'writes', documents: 'all' }],
    [[' Writes ', 'Forms = NONE'], {}, { forms: 'none', documents: 'writes' }],
  ])('%j', (protect, env, expected) => {
    expect(good({ 'auth-url': AUTH, protect }, env).protect).toEqual(expected);
  });

  it('reads FORMGATE_PROTECT as a comma-separated list', () => {
    expect(good({ 'auth-url': AUTH }, { FORMGATE_PROTECT: 'writes,documents=all' }).protect).toEqual({
      forms: 'writes',
      documents: 'all',
    });
    expect(good({ 'auth-url': AUTH }, { FORMGATE_PROTECT: 'none, forms=writes,' }).protect).toEqual({
      forms: 'writes',
      documents: 'none',
    });
  });

  it('lets the flag replace the whole env list', () => {
    expect(good({ 'auth-url': AUTH, protect: ['forms=writes'] }, { FORMGATE_PROTECT: 'none' }).protect).toEqual({
      forms: 'writes',
      documents: 'all',
    });
  });

  it.each<[unknown, string[]]>([
    [['bogus'], ['"bogus"', 'all, writes, none']],
    [['users=all'], ['"users"', 'forms, documents']],
    [['forms=some'], ['"some"', '"forms=some"', 'all, writes, none']],
    [['=all'], ['forms, documents']],
    [[], ['DOMAIN=LEVEL']],
    [[''], ['DOMAIN=LEVEL']],
  ])('rejects %j naming the allowed values', (protect, parts) => {
    const e = bad({ 'auth-url': AUTH, protect });
    expect(e.flag).toBe('protect');
    for (const p of parts) expect(e.message).toContain(p);
    expect(e.message).not.toMatch(/[\r\n]/);
  });

  it('says when the bad value came from FORMGATE_PROTECT', () => {
    const e = bad({ 'auth-url': AUTH }, { FORMGATE_PROTECT: 'writes,docs=all' });
    expect(e.flag).toBe('protect');
    expect(e.message).toContain('FORMGATE_PROTECT');
    expect(e.message).toContain('"docs"');
  });
});

describe('the auth-url rule', () => {
  it('refuses the default (protect all) without --auth-url, naming both fixes on one line', () => {
    const e = bad();
    expect(e.flag).toBe('protect');
    expect(e.message).toBe(
      '--protect all (the default) needs an identity service: pass --auth-url URL (FORMGATE_AUTH_URL), ' +
        'or use --protect none (FORMGATE_PROTECT=none) to open every domain',
    );
  });

  it.each<[string[], string]>([
    [['all'], '--protect all needs an identity service'],
    [['writes'], '--protect writes needs an identity service'],
    [['forms=none'], '--protect documents=all needs an identity service'],
    [['none', 'documents=writes'], '--protect documents=writes needs an identity service'],
    [['writes', 'documents=all'], '--protect forms=writes,documents=all needs an identity service'],
  ])('%j without --auth-url is refused, naming the protected domains', (protect, start) => {
    const e = bad({ protect });
    expect(e.flag).toBe('protect');
    expect(e.message.startsWith(start)).toBe(true);
    expect(e.message).toContain('--auth-url URL (FORMGATE_AUTH_URL)');
    expect(e.message).toContain('--protect none');
    expect(e.message).not.toMatch(/[\r\n]/);
  });

  it('allows every domain open without --auth-url', () => {
    expect(good({ protect: ['none'] }).auth.url).toBeUndefined();
    expect(good({ protect: ['forms=none', 'documents=none'] }).auth.url).toBeUndefined();
    expect(good({}, { FORMGATE_PROTECT: 'none' }).auth.url).toBeUndefined();
  });

  it('is satisfied by FORMGATE_AUTH_URL', () => {
    expect(good({}, { FORMGATE_AUTH_URL: AUTH }).auth.url).toBe(AUTH);
  });
});

describe('auth', () => {
  it('derives the health url from the auth url origin', () => {
    expect(good({ 'auth-url': 'https://id.example:8443/a/b?c=d' }).auth.healthUrl).toBe('https://id.example:8443/healthz');
  });

  it('keeps an explicit health url and accepts none in any case', () => {
    expect(good({ 'auth-url': AUTH, 'auth-health-url': 'http://h/up' }).auth.healthUrl).toBe('http://h/up');
    expect(good({ 'auth-url': AUTH, 'auth-health-url': 'NONE' }).auth.healthUrl).toBeNull();
  });

  it('requires both client credentials for introspection', () => {
    const flags = { 'auth-url': AUTH, 'auth-protocol': 'introspection' };
    expect(bad(flags).flag).toBe('auth-client-id');
    expect(bad({ ...flags, 'auth-client-secret': 'hunter2' }).flag).toBe('auth-client-id');
    expect(bad({ ...flags, 'auth-client-id': 'formgate' }).flag).toBe('auth-client-secret');
    const e = bad({ ...flags, 'auth-client-secret': 'hunter2' });
    expect(e.message).toContain('--auth-client-id');
    expect(e.message).toContain('--auth-client-secret');
    expect(e.message).not.toContain('hunter2');
    const c = good({ ...flags }, { FORMGATE_AUTH_CLIENT_ID: 'formgate', FORMGATE_AUTH_CLIENT_SECRET: ' hunter2 ' });
    expect(c.auth).toMatchObject({ protocol: 'introspection', clientId: 'formgate', clientSecret: ' hunter2 ' });
  });

  it('keeps ttls within --auth-cache-max-ttl', () => {
    expect(good({ 'auth-url': AUTH, 'auth-cache-max-ttl': '60' }).auth.cache.maxTtlS).toBe(60);
    const d = bad({ 'auth-url': AUTH, 'auth-cache-max-ttl': '30' });
    expect(d.flag).toBe('auth-cache-default-ttl');
    expect(d.message).toContain('--auth-cache-max-ttl');
    const n = bad({ 'auth-url': AUTH, 'auth-cache-max-ttl': '100', 'auth-negative-ttl': '101' });
    expect(n.flag).toBe('auth-negative-ttl');
    expect(n.message).toContain('101 s exceeds --auth-cache-max-ttl 100 s');
    expect(bad({ 'auth-url': AUTH }, { FORMGATE_AUTH_CACHE_DEFAULT_TTL: '301' }).flag).toBe('auth-cache-default-ttl');
  });
});

describe('--max-body', () => {
  it.each<[string, number]>([
    ['1', 1],
    ['1048576', 1048576],
    ['512k', 524288],
    ['512K', 524288],
    ['512KB', 524288],
    ['512KiB', 524288],
    ['2m', 2097152],
    ['2MB', 2097152],
    ['1MiB', 1048576],
    ['1 MiB', 1048576],
    ['1024m', 1073741824],
    ['1g', 1073741824],
  ])('%s = %i bytes', (v, n) => {
    expect(good({ protect: 'none', 'max-body': v }).maxBodyBytes).toBe(n);
  });

  it.each(['0', '0k', '1025m', '1073741825', '2g', '1.5m', '-1', 'abc', '10 parsecs', 'k', ''])('rejects %j', (v) => {
    const e = bad({ protect: 'none', 'max-body': v });
    expect(e.flag).toBe('max-body');
    expect(e.message).toContain('--max-body');
    expect(e.message).toContain('FORMGATE_MAX_BODY');
  });
});

describe('--max-connections and --request-timeout', () => {
  it('say their range in one line', () => {
    expect(bad({ protect: 'none', 'max-connections': '0' }).message).toBe(
      '--max-connections: expected an integer from 1 to 1000000, got "0" (flag --max-connections or FORMGATE_MAX_CONNECTIONS)',
    );
    expect(bad({ protect: 'none' }, { FORMGATE_REQUEST_TIMEOUT: '30s' }).message).toBe(
      '--request-timeout: expected an integer from 100 to 3600000 (milliseconds), got "30s" from FORMGATE_REQUEST_TIMEOUT ' +
        '(flag --request-timeout or FORMGATE_REQUEST_TIMEOUT)',
    );
  });
});

const NUMERIC: FlagName[] = [
  'port',
  'max-connections',
  'request-timeout',
  'auth-timeout',
  'auth-max-calls',
  'auth-cache-size',
  'auth-cache-max-ttl',
  'auth-cache-default-ttl',
  'auth-negative-ttl',
  'auth-stale-if-error',
];

/** [flags, env, flag at fault]; every case also carries a client secret that must never leak. */
const INVALID: [Flags, Env, string][] = [
  ...NUMERIC.flatMap((f): [Flags, Env, string][] =>
    ['abc', '1.5', '-1', '', '1e3', '0x10', '12abc'].map((v): [Flags, Env, string] => [{ [f]: v }, {}, f]),
  ),
  ...NUMERIC.map((f): [Flags, Env, string] => [{}, { [envName(f)]: 'abc' }, f]),
  [{ port: '65536' }, {}, 'port'],
  [{ 'auth-timeout': '0' }, {}, 'auth-timeout'],
  [{ 'auth-timeout': '600001' }, {}, 'auth-timeout'],
  [{ 'auth-max-calls': '0' }, {}, 'auth-max-calls'],
  [{ 'auth-max-calls': '100001' }, {}, 'auth-max-calls'],
  [{ 'auth-cache-size': '99999999999999999999' }, {}, 'auth-cache-size'],
  [{ 'max-connections': '0' }, {}, 'max-connections'],
  [{ 'max-connections': '1000001' }, {}, 'max-connections'],
  [{ 'request-timeout': '99' }, {}, 'request-timeout'],
  [{ 'request-timeout': '3600001' }, {}, 'request-timeout'],
  [{}, { FORMGATE_REQUEST_TIMEOUT: '0' }, 'request-timeout'],
  [{ host: '' }, {}, 'host'],
  [{ host: 'a b' }, {}, 'host'],
  [{ forms: '' }, {}, 'forms'],
  [{ 'log-level': 'verbose' }, {}, 'log-level'],
  [{}, { FORMGATE_LOG_LEVEL: 'loud' }, 'log-level'],
  [{ 'auth-protocol': 'saml' }, {}, 'auth-protocol'],
  [{ 'auth-url': 'id.example/check' }, {}, 'auth-url'],
  [{ 'auth-url': 'ftp://id.example/check' }, {}, 'auth-url'],
  [{ 'auth-url': '/check' }, {}, 'auth-url'],
  [{ 'auth-url': '' }, {}, 'auth-url'],
  [{ 'auth-url': 'http://' }, {}, 'auth-url'],
  [{ 'auth-url': undefined }, { FORMGATE_AUTH_URL: 'nope' }, 'auth-url'],
  [{ 'auth-health-url': 'healthz' }, {}, 'auth-health-url'],
  [{ 'auth-health-url': 'file:///healthz' }, {}, 'auth-health-url'],
  [{ 'auth-client-id': '' }, {}, 'auth-client-id'],
  [{ 'auth-client-secret': '' }, {}, 'auth-client-secret'],
  [{ 'auth-client-secret': '   ' }, {}, 'auth-client-secret'],
  [{ 'auth-groups-claim': '' }, {}, 'auth-groups-claim'],
  [{ 'admin-group': '' }, {}, 'admin-group'],
  [{ 'database-url': 'redis://x' }, {}, 'database-url'],
  [{ 'max-body': 'lots' }, {}, 'max-body'],
  [{ protect: ['everything'] }, {}, 'protect'],
  [{ port: true }, {}, 'port'],
  [{ port: {} }, {}, 'port'],
];

describe('invalid values', () => {
  it.each(INVALID)('%j %j → --%s', (flags, env, flag) => {
    const e = bad({ 'auth-url': AUTH, 'auth-client-secret': 'hunter2', ...flags }, env);
    expect(e.flag).toBe(flag);
    expect(e.message).toContain(`--${flag}`);
    expect(e.message).not.toMatch(/[\r\n]/);
    expect(e.message).not.toContain('hunter2');
    expect(formatConfigError(e)).not.toMatch(/[\r\n]/);
  });

  it('writes the message the brief asks for', () => {
    expect(bad({ protect: 'none', port: 'abc' })).toEqual({
      flag: 'port',
      message: '--port: expected an integer from 0 to 65535, got "abc" (flag --port or FORMGATE_PORT)',
    });
    expect(bad({ protect: 'none' }, { FORMGATE_PORT: 'abc' }).message).toBe(
      '--port: expected an integer from 0 to 65535, got "abc" from FORMGATE_PORT (flag --port or FORMGATE_PORT)',
    );
  });

  it('escapes control characters and hides URL credentials in echoed values', () => {
    const e = bad({ protect: 'none', 'log-level': 'a\nb' });
    expect(e.message).toContain('"a\\nb"');
    const u = bad({ protect: 'none', 'auth-url': 'ftp://bob:hunter2@id.example/' });
    expect(u.flag).toBe('auth-url');
    expect(u.message).not.toContain('hunter2');
  });

  it('never echoes the client secret', () => {
    const e = bad({ protect: 'none', 'auth-client-secret': '' });
    expect(e.message).toBe('--auth-client-secret: expected a non-empty client secret (flag --auth-client-secret or FORMGATE_AUTH_CLIENT_SECRET)');
  });

  it('formats one line for stderr', () => {
    expect(formatConfigError({ flag: 'port', message: '--port: bad\nvalue' })).toBe('formgate: invalid configuration: --port: bad value');
  });
});

describe('the result', () => {
  it('is deeply frozen', () => {
    const c = good({ 'auth-url': AUTH, 'database-url': 'postgres://h/db' });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.auth)).toBe(true);
    expect(Object.isFrozen(c.auth.cache)).toBe(true);
    expect(Object.isFrozen(c.protect)).toBe(true);
    expect(Object.isFrozen(c.database)).toBe(true);
    expect(() => {
      (c as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (c.auth.cache as { size: number }).size = 1;
    }).toThrow(TypeError);
  });

  it('does not change its input', () => {
    const flags = Object.freeze({ 'auth-url': AUTH, protect: Object.freeze(['writes']) });
    const env = Object.freeze({ FORMGATE_PORT: '1' });
    expect(good(flags, env).port).toBe(1);
  });
});

describe('SERVE_OPTIONS', () => {
  it('fits yargs options, with no defaults and string-typed numbers', () => {
    const opts: Record<string, Options> = SERVE_OPTIONS;
    for (const [name, o] of Object.entries(opts)) {
      expect(name).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(o).not.toHaveProperty('default');
      expect(o.describe).toBeTruthy();
      expect(o.defaultDescription).toBeTruthy();
      // --ui is the one switch: yargs turns --no-ui into false only for a boolean.
      expect(o.type).toBe(name === 'ui' || name === 'api' ? 'boolean' : 'string');
    }
  });

  it('round-trips through yargs: not given stays undefined, "abc" stays a string', async () => {
    const parse = (argv: string[]) => yargs(argv).options(SERVE_OPTIONS).strict().parseSync() as Flags;

    const none = parse([]);
    for (const name of Object.keys(SERVE_OPTIONS)) expect(none[name]).toBeUndefined();
    expect(bad(none).flag).toBe('protect');

    const flags = parse([
      '--port', '0', '--auth-url', AUTH, '--protect', 'writes', '--protect', 'forms=none',
      '--max-body', '2MiB', '--auth-cache-size', '0', '--max-connections', '50', '--request-timeout', '5000',
    ]);
    const c = good(flags, { FORMGATE_PORT: '9999', FORMGATE_LOG_LEVEL: 'warn' });
    expect(c.port).toBe(0);
    expect(c.protect).toEqual({ forms: 'none', documents: 'writes' });
    expect(c.maxBodyBytes).toBe(2 * 1024 * 1024);
    expect(c.auth.cache.size).toBe(0);
    expect(c.maxConnections).toBe(50);
    expect(c.requestTimeoutMs).toBe(5000);
    expect(c.logLevel).toBe('warn');

    const e = bad(parse(['--port', 'abc', '--protect', 'none']));
    expect(e.message).toContain('got "abc"');
  });
});

describe('resolveMigrateConfig', () => {
  it('reads only the database and log level, ignoring serve-only settings', () => {
    const r = resolveMigrateConfig({ flags: { 'database-url': 'postgres://db.internal/forms' }, env: { FORMGATE_PORT: 'abc', FORMGATE_LOG_LEVEL: 'warn' } });
    expect(r).toEqual({ ok: true, value: { database: { kind: 'postgres', url: 'postgres://db.internal/forms' }, logLevel: 'warn' } });
  });

  it('still rejects a bad database URL', () => {
    const r = resolveMigrateConfig({ flags: { 'database-url': 'mysql://x' }, env: {} });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.flag).toBe('database-url');
  });
});

describe('resolveCheckAuthConfig', () => {
  const TOKEN = 'tok-config-9f3a';

  function check(flags: Flags = {}, env: Env = {}) {
    return resolveCheckAuthConfig({ flags, env });
  }

  const checkGood = (flags: Flags = {}, env: Env = {}): CheckAuthConfig => expectValue(check(flags, env));
  const checkBad = (flags: Flags = {}, env: Env = {}): ConfigError => expectError(check(flags, env));

  it('reads the identity service and the token, with serve’s defaults for the rest', () => {
    expect(checkGood({ 'auth-url': AUTH, token: TOKEN })).toEqual({
      auth: good({ 'auth-url': AUTH }).auth,
      token: { kind: 'value', token: TOKEN },
    });
  });

  it('needs --auth-url, from the flag or FORMGATE_AUTH_URL', () => {
    const e = checkBad({ token: TOKEN });
    expect(e.flag).toBe('auth-url');
    expect(e.message).toContain('--auth-url');
    expect(e.message).toContain('FORMGATE_AUTH_URL');
    expect(checkGood({ token: TOKEN }, { FORMGATE_AUTH_URL: AUTH }).auth.url).toBe(AUTH);
  });

  it('needs a token, naming every way to give one', () => {
    for (const [flags, env] of [
      [{ 'auth-url': AUTH }, {}],
      [{ 'auth-url': AUTH, token: '' }, {}],
      [{ 'auth-url': AUTH, token: '   ' }, {}],
      [{ 'auth-url': AUTH }, { FORMGATE_TOKEN: '' }],
    ] as [Flags, Env][]) {
      const e = checkBad(flags, env);
      expect(e.flag).toBe('token');
      for (const way of ['--token', 'FORMGATE_TOKEN', '--token-stdin']) expect(e.message).toContain(way);
    }
  });

  it('takes the token from FORMGATE_TOKEN, and --token over it', () => {
    expect(checkGood({ 'auth-url': AUTH }, { FORMGATE_TOKEN: TOKEN }).token).toEqual({ kind: 'value', token: TOKEN });
    expect(checkGood({ 'auth-url': AUTH, token: TOKEN }, { FORMGATE_TOKEN: 'from-env' }).token).toEqual({ kind: 'value', token: TOKEN });
    expect(checkGood({ 'auth-url': AUTH, token: ` ${TOKEN}\n` }).token).toEqual({ kind: 'value', token: TOKEN });
  });

  it('with --token-stdin leaves the token to be read from standard input', () => {
    expect(checkGood({ 'auth-url': AUTH, 'token-stdin': true }).token).toEqual({ kind: 'stdin' });
    expect(checkGood({ 'auth-url': AUTH, tokenStdin: true }).token).toEqual({ kind: 'stdin' });
  });

  it('refuses both --token and --token-stdin, without repeating the token', () => {
    const e = checkBad({ 'auth-url': AUTH, token: TOKEN, 'token-stdin': true });
    expect(e.flag).toBe('token');
    expect(e.message).toMatch(/--token\b.*--token-stdin/);
    expect(e.message).toContain('not both');
    expect(e.message).not.toContain(TOKEN);
  });

  it('reads every auth-* flag exactly as serve does', () => {
    const authFlags = FLAG_NAMES.filter((name) => name.startsWith('auth-'));
    expect(authFlags.length).toBeGreaterThan(10);
    for (const name of authFlags) {
      const base = name === 'auth-protocol' || SAMPLES[name].base !== undefined ? baseFlags(name) : { 'auth-url': AUTH };
      for (const [flags, env] of [
        [{ ...base, [name]: SAMPLES[name].a }, {}],
        [base, { [envName(name)]: SAMPLES[name].b }],
      ] as [Flags, Env][]) {
        expect(checkGood({ ...flags, token: TOKEN }, env).auth, `--${name}`).toEqual(good(flags, env).auth);
      }
    }
  });

  it('rejects auth flags with serve’s errors, e.g. introspection without client credentials', () => {
    for (const flags of [
      { 'auth-url': AUTH, 'auth-protocol': 'introspection' },
      { 'auth-url': AUTH, 'auth-protocol': 'introspection', 'auth-client-id': 'id' },
      { 'auth-url': AUTH, 'auth-timeout': 'abc' },
      { 'auth-url': 'ftp://id.example/check' },
      { 'auth-url': AUTH, 'auth-cache-default-ttl': '600' },
      { 'auth-url': AUTH, 'auth-health-url': 'nowhere' },
    ] as Flags[]) {
      expect(checkBad({ ...flags, token: TOKEN }), JSON.stringify(flags)).toEqual(bad(flags));
    }
    const e = checkBad({ 'auth-url': AUTH, 'auth-protocol': 'introspection', token: TOKEN });
    expect(e.flag).toBe('auth-client-id');
    expect(e.message).toContain('--auth-client-id');
    expect(e.message).toContain('--auth-client-secret');
  });

  it('ignores serve-only settings in the environment', () => {
    const c = checkGood({ 'auth-url': AUTH, token: TOKEN }, { FORMGATE_PORT: 'abc', FORMGATE_PROTECT: 'bogus', FORMGATE_DATABASE_URL: 'mysql://x' });
    expect(c.auth.url).toBe(AUTH);
  });
});

describe('CHECK_AUTH_OPTIONS', () => {
  it('holds every auth-* flag of SERVE_OPTIONS, unchanged, plus token and token-stdin', () => {
    const authFlags = FLAG_NAMES.filter((name) => name.startsWith('auth-'));
    expect(Object.keys(CHECK_AUTH_OPTIONS).sort()).toEqual([...authFlags, 'token', 'token-stdin'].sort());
    for (const name of authFlags) expect(CHECK_AUTH_OPTIONS[name], name).toEqual(SERVE_OPTIONS[name]);
    expect(CHECK_AUTH_OPTIONS.token).toMatchObject({ type: 'string' });
    expect(CHECK_AUTH_OPTIONS['token-stdin']).toMatchObject({ type: 'boolean' });
  });

  it('round-trips through yargs: --token-stdin is a boolean, serve-only flags are refused', () => {
    const parse = (argv: string[]) => yargs(argv).options(CHECK_AUTH_OPTIONS as Record<string, Options>).strict().exitProcess(false).fail((msg) => {
      throw new Error(msg);
    }).parseSync() as Flags;

    const none = parse([]);
    for (const name of Object.keys(CHECK_AUTH_OPTIONS)) expect(none[name], name).toBeUndefined();

    expect(resolveCheckAuthConfig({ flags: parse(['--auth-url', AUTH, '--token-stdin']), env: {} })).toMatchObject({ ok: true, value: { token: { kind: 'stdin' } } });
    const c = resolveCheckAuthConfig({ flags: parse(['--auth-url', AUTH, '--token', 'abc', '--auth-protocol', 'oidc', '--auth-cache-default-ttl', '42']), env: {} });
    expect(c).toMatchObject({ ok: true, value: { token: { kind: 'value', token: 'abc' }, auth: { protocol: 'oidc', cache: { defaultTtlS: 42 } } } });
    expect(() => parse(['--auth-url', AUTH, '--token', 'abc', '--port', '1'])).toThrow(/port/);
  });
});

describe('identity-service URLs with credentials', () => {
  it.each(['auth-url', 'auth-health-url'])('--%s refuses a user name or password, without echoing it', (flag) => {
    const flags = { 'auth-url': AUTH, [flag]: 'https://formgate:s3cret-pw@idp.example.com/validate' };
    const error = bad(flags);
    expect(error.flag).toBe(flag);
    expect(error.message).toMatch(/must not carry a user name or password/);
    expect(error.message).not.toContain('s3cret-pw');
  });
});

describe('the web client flags', () => {
  it('is on by default with an anonymous-only client and a public URL from --host and --port', () => {
    expect(good({ 'auth-url': AUTH, host: '0.0.0.0', port: '9090' }).web).toEqual({ api: { kind: 'in-process' }, forms: null, publicUrl: 'http://127.0.0.1:9090', signIn: null, sessionSecrets: null });
  });

  it('is off with --no-ui (yargs: ui false) or FORMGATE_UI=false', () => {
    expect(good({ 'auth-url': AUTH, ui: false }).web).toBeNull();
    expect(good({ 'auth-url': AUTH }, { FORMGATE_UI: 'false' }).web).toBeNull();
    expect(good({ 'auth-url': AUTH, ui: true }, { FORMGATE_UI: 'false' }).web).not.toBeNull();
    expect(bad({ 'auth-url': AUTH }, { FORMGATE_UI: 'maybe' }).flag).toBe('ui');
  });

  it('signs in with an issuer, its credentials and a session secret', () => {
    expect(good(SIGN_IN).web?.signIn).toEqual({ issuer: 'https://id.example', clientId: 'web', clientSecret: { kind: 'value', value: 'cs' } });
  });

  it.each([
    ['ui-client-id', without('ui-client-id'), '--ui-client-id'],
    ['ui-client-secret', without('ui-client-secret'), '--ui-client-secret-file'],
    ['ui-session-secret', without('ui-session-secret'), '--ui-session-secret-file'],
    ['ui-client-id', { 'auth-url': AUTH, 'ui-client-id': 'web' }, '--ui-issuer'],
    ['ui-issuer', { ...SIGN_IN, 'ui-issuer': 'http://id.example' }, 'https://'],
    ['ui-client-secret', { ...SIGN_IN, 'ui-client-secret-file': 'x' }, 'not both'],
    ['ui-session-secret', { ...SIGN_IN, 'ui-session-secret-file': 'x' }, 'not both'],
    ['ui-session-secret', { ...SIGN_IN, 'ui-session-secret': [SECRET_A, 'short'] }, 'at least 32 characters'],
    ['ui-public-url', { 'auth-url': AUTH, 'ui-public-url': 'https://forms.example.org/app' }, 'an origin only'],
    ['ui-public-url', { 'auth-url': AUTH, 'ui-public-url': 'ftp://forms.example.org' }, 'https://'],
  ])('refuses --%s in %j with one line naming the fix', (flag, flags, fix) => {
    const e = bad(flags);
    expect(e.flag).toBe(flag);
    expect(e.message).toContain(fix);
    expect(e.message).not.toMatch(/[\r\n]/);
    expect(e.message).not.toContain(SECRET_A);
    expect(e.message).not.toContain('short');
  });

  it('allows a plain-http issuer on loopback only', () => {
    for (const issuer of ['http://127.0.0.1:9000', 'http://localhost:9000/realms/x', 'http://[::1]:9000']) {
      expect(good({ ...SIGN_IN, 'ui-issuer': issuer }).web?.signIn?.issuer).toBe(issuer);
    }
  });
});
