import { PROTECTION_DOMAINS, type ProtectConfig } from '../auth/protection.ts';
import type { AuthCacheConfig, AuthConfig } from '../auth/settings.ts';
import { fail } from './errors.ts';
import type { Raw } from './input.ts';
import { envName } from './names.ts';
import type { Source } from './protect.ts';

/**
 * The rules across flags: each flag may be fine alone and wrong beside another. They run after every flag
 * was read, so a malformed value is reported before a combination.
 */

/**
 * A protected domain needs a way to check tokens: `--auth-url`, or `--auth-protocol jwt` (its keys), unless
 * every domain is `none`.
 */
export function requireIdentityService(prot: ProtectConfig, protectSource: Source, auth: AuthConfig): void {
  const protectedDomains = PROTECTION_DOMAINS.filter((d) => prot[d] !== 'none');
  if (auth.url === undefined && auth.jwt === undefined && protectedDomains.length > 0) {
    const what = describeProtection(prot);
    const dflt = protectSource === 'default' ? ' (the default)' : '';
    fail(
      'protect',
      `--protect ${what}${dflt} needs an identity service: pass --auth-url URL (FORMGATE_AUTH_URL), ` +
        `or use --protect none (FORMGATE_PROTECT=none) to open every domain`,
    );
  }
}

/** How the effective protection reads as flags: `all` when uniform, else the protected domains. */
function describeProtection(p: ProtectConfig): string {
  const first = p[PROTECTION_DOMAINS[0]];
  if (PROTECTION_DOMAINS.every((d) => p[d] === first)) return first;
  return PROTECTION_DOMAINS.filter((d) => p[d] !== 'none')
    .map((d) => `${d}=${p[d]}`)
    .join(',');
}

/** Introspection (RFC 7662) authenticates Formgate to the identity service: both credentials or none. */
export function requireIntrospectionCredentials(protocol: AuthConfig['protocol'], clientId: Raw | undefined, clientSecret: Raw | undefined): void {
  if (protocol === 'introspection' && (clientId === undefined || clientSecret === undefined)) {
    fail(
      clientId === undefined ? 'auth-client-id' : 'auth-client-secret',
      '--auth-protocol introspection needs client credentials: pass --auth-client-id ID (FORMGATE_AUTH_CLIENT_ID) ' +
        'and --auth-client-secret SECRET (FORMGATE_AUTH_CLIENT_SECRET)',
    );
  }
}

/** No identity, accepted or rejected, is kept longer than `--auth-cache-max-ttl`. */
export function requireTtlsWithinMax(cache: AuthCacheConfig): void {
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
}
