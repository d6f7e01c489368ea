/** The parts of the API `--protect` sets a level for. */
export const PROTECTION_DOMAINS = ['forms', 'documents'] as const;
export type ProtectionDomain = (typeof PROTECTION_DOMAINS)[number];

export const PROTECTION_LEVELS = ['all', 'writes', 'none'] as const;
export type ProtectionLevel = (typeof PROTECTION_LEVELS)[number];

export type ProtectConfig = { readonly [D in ProtectionDomain]: ProtectionLevel };

/**
 * Which requests need a token. Each route group declares its `RouteProtection` where it is mounted (api/app.ts,
 * host.ts); for a domain, `--protect` (the `ProtectConfig` table) then decides per method. The admin API always
 * needs a token from the admin group; open routes (health, the OpenAPI document, the docs) never need one.
 */

/** What a route group declares: a configurable domain, the admin API, or open to anyone. */
export type RouteProtection = ProtectionDomain | 'admin' | 'open';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function needsToken(table: ProtectConfig, declared: RouteProtection, method: string): boolean {
  if (declared === 'open') return false;
  if (declared === 'admin') return true;
  return domainNeedsToken(table, declared, method);
}

/** The table's answer for one domain; what `/api/v1/me` reports asks it too (abilities.ts). */
export function domainNeedsToken(table: ProtectConfig, domain: ProtectionDomain, method: string): boolean {
  const level = table[domain];
  return level === 'all' || (level === 'writes' && !READS.has(method.toUpperCase()));
}

/** Whether any request at all can need a token, which makes the identity service critical to /health. */
export function anyDomainProtected(table: ProtectConfig): boolean {
  return PROTECTION_DOMAINS.some((domain) => table[domain] !== 'none');
}

/** The table as the startup log line shows it, one entry per route protection. */
export function protectionTable(table: ProtectConfig, adminGroup: string): Record<string, string> {
  return {
    ...Object.fromEntries(PROTECTION_DOMAINS.map((d) => [d, table[d]])),
    admin: `token from group ${JSON.stringify(adminGroup)}`,
    'health, openapi.json, docs': 'open',
  };
}
