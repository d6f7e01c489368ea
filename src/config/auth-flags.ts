import { ASYMMETRIC_ALGORITHMS } from '../auth/jwt/algorithms.ts';
import { AUTH_PROTOCOLS } from '../auth/protocols/protocol.ts';
import {
  DEFAULT_AUTH_MAX_CALLS,
  DEFAULT_JWT_CLOCK_TOLERANCE_S,
  DEFAULT_JWT_MAX_TOKEN_LIFETIME_S,
  DEFAULT_JWKS_COOLDOWN_S,
  DEFAULT_JWKS_STALE_S,
} from './defaults.ts';
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
    defaultDescription: "auth-url's origin + /healthz; none with jwt (its key set's age is checked instead)",
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
  'auth-issuer': {
    describe:
      "jwt: the issuer every token's iss must equal; its discovery document names the key set unless --auth-jwks-url does (https; plain http only on loopback)" +
      envHint('auth-issuer'),
    type: 'string',
    defaultDescription: 'unset',
    group: G_AUTH,
  },
  'auth-jwks-url': {
    describe: "jwt: the provider's key set (JWKS), skipping discovery (https; plain http only on loopback)" + envHint('auth-jwks-url'),
    type: 'string',
    defaultDescription: "from --auth-issuer's discovery",
    group: G_AUTH,
  },
  'auth-audience': {
    describe: "jwt: comma-separated audiences; a token's aud must name one of them" + envHint('auth-audience'),
    type: 'string',
    defaultDescription: 'unset',
    group: G_AUTH,
  },
  'auth-algorithms': {
    describe: 'jwt: comma-separated JWS algorithms accepted (public-key ones; HMAC and none are never accepted)' + envHint('auth-algorithms'),
    type: 'string',
    defaultDescription: ASYMMETRIC_ALGORITHMS.join(','),
    group: G_AUTH,
  },
  'auth-clock-tolerance': {
    describe: 'jwt: clock skew allowed on exp and nbf, in seconds' + envHint('auth-clock-tolerance'),
    type: 'string',
    defaultDescription: String(DEFAULT_JWT_CLOCK_TOLERANCE_S),
    group: G_AUTH,
  },
  'auth-jwks-stale': {
    describe: 'jwt: how long the key set is still used past its lifetime while the provider cannot be reached, in seconds' + envHint('auth-jwks-stale'),
    type: 'string',
    defaultDescription: String(DEFAULT_JWKS_STALE_S),
    group: G_AUTH,
  },
  'auth-jwks-cooldown': {
    describe: 'jwt: at most one key set fetch per this many seconds for tokens naming an unknown kid' + envHint('auth-jwks-cooldown'),
    type: 'string',
    defaultDescription: String(DEFAULT_JWKS_COOLDOWN_S),
    group: G_AUTH,
  },
  'auth-max-token-lifetime': {
    describe: 'jwt: a token valid longer than this (exp - iat; a token without iat is refused) is refused, in seconds' + envHint('auth-max-token-lifetime'),
    type: 'string',
    defaultDescription: String(DEFAULT_JWT_MAX_TOKEN_LIFETIME_S),
    group: G_AUTH,
  },
  'auth-groups-claim': {
    describe: 'claim holding the groups in OIDC and introspection answers and JWTs (a dotted path reaches into objects)' + envHint('auth-groups-claim'),
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
