/** `auth-cache-max-ttl` → `FORMGATE_AUTH_CACHE_MAX_TTL`. */
export function envName(flag: string): string {
  return 'FORMGATE_' + flag.toUpperCase().replace(/-/g, '_');
}

/** `auth-cache-max-ttl` → `authCacheMaxTtl` (the key yargs adds next to the kebab-case one). */
export function camelName(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}
