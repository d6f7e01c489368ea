import { LOG_LEVELS } from '../logger.ts';
import { DEFAULT_HOST, DEFAULT_MAX_CONNECTIONS, DEFAULT_PGLITE_DIR, DEFAULT_PORT, DEFAULT_REQUEST_TIMEOUT_MS } from './defaults.ts';
import { envHint, type FlagSpec } from './flag-spec.ts';

const G_SERVER = 'Server:';
const G_PROTECT = 'Protection:';

/** The `serve` flags of the process itself: listening, database, forms, limits, logging, protection. */
export const SERVER_FLAGS = {
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
    describe: 'form definitions file (YAML), re-read when it changes' + envHint('forms'),
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
} as const satisfies Record<string, FlagSpec>;
