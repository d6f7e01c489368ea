import { AUTH_PROTOCOLS } from '../auth/protocols/protocol.ts';
import { DEFAULT_AUTH_MAX_CALLS } from './defaults.ts';
import { envHint, type FlagSpec } from './flag-spec.ts';

const G_AUTH = 'Identity service:';
const G_CACHE = 'Identity cache:';

/** The identity-service flags: `serve` takes them, and `check-auth` takes exactly these (plus the token). */
export const AUTH_FLAGS = {
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
