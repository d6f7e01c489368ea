import { AUTH_PROTOCOLS } from '../auth/protocols/protocol.ts';
import type { AuthCacheConfig, AuthConfig } from '../auth/settings.ts';
import { DEFAULT_AUTH_MAX_CALLS } from './defaults.ts';
import { invalid } from './errors.ts';
import { jwtSettings, refuseHttpFlagsWithJwt } from './jwt.ts';
import type { Reader } from './reader.ts';
import { requireIntrospectionCredentials, requireTtlsWithinMax } from './rules.ts';
import { choice, httpUrl, integer, nonEmpty } from './values.ts';

const TTL_MAX = 31_536_000; // one year

/** The identity-service flags, shared by `serve` and `check-auth`, with the rules among them. */
export function authSettings(r: Reader): AuthConfig {
  const protocol = choice(r, 'auth-protocol', AUTH_PROTOCOLS, 'formgate');
  if (protocol === 'jwt') refuseHttpFlagsWithJwt(r);
  const urlRaw = r.scalar('auth-url');
  const authUrl = urlRaw === undefined ? undefined : httpUrl('auth-url', urlRaw);
  const jwt = jwtSettings(r, protocol);
  const healthRaw = r.scalar('auth-health-url');
  let healthUrl: string | null;
  // jwt's own check is the key set's age (jwks:age); a provider's health endpoint is checked only when named.
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

  const cache: AuthCacheConfig = {
    size: integer(r, 'auth-cache-size', 10_000, 0, 1_000_000, ' (0 disables the cache)'),
    maxTtlS: integer(r, 'auth-cache-max-ttl', 300, 0, TTL_MAX, ' (seconds)'),
    defaultTtlS: integer(r, 'auth-cache-default-ttl', 60, 0, TTL_MAX, ' (seconds)'),
    negativeTtlS: integer(r, 'auth-negative-ttl', 5, 0, TTL_MAX, ' (seconds)'),
    staleIfErrorS: integer(r, 'auth-stale-if-error', 0, 0, TTL_MAX, ' (seconds)'),
  };

  requireIntrospectionCredentials(protocol, clientId, clientSecret);
  requireTtlsWithinMax(cache);

  return {
    ...(authUrl === undefined ? {} : { url: authUrl }),
    protocol,
    ...(jwt === undefined ? {} : { jwt }),
    healthUrl,
    timeoutMs,
    maxCalls,
    cache,
    ...(clientId === undefined ? {} : { clientId: clientId.value }),
    ...(clientSecret === undefined ? {} : { clientSecret: clientSecret.value }),
    groupsClaim,
  };
}
