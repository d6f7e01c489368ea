/** The parts of the API `--protect` sets a level for. */
export const PROTECTION_DOMAINS = ['forms', 'documents'] as const;
export type ProtectionDomain = (typeof PROTECTION_DOMAINS)[number];

export const PROTECTION_LEVELS = ['all', 'writes', 'none'] as const;
export type ProtectionLevel = (typeof PROTECTION_LEVELS)[number];

export type ProtectConfig = { readonly [D in ProtectionDomain]: ProtectionLevel };

/**
 * Which requests need a token: one table, from `--protect`, read by one middleware. The admin API always
 * needs a token from the admin group; health, the OpenAPI document and the docs never need one.
 */

export type Protection = ProtectConfig;

export type Area = ProtectionDomain | 'admin' | 'open';

/** Where a path belongs. `/api/v1/me` belongs to `forms`: it reports what the caller may do on each form. */
export function areaOf(path: string): Area {
  if (/^\/api\/v1\/forms\/[^/]+\/documents(?:\/|$)/.test(path)) return 'documents';
  if (path === '/api/v1/admin' || path.startsWith('/api/v1/admin/')) return 'admin';
  if (path.startsWith('/api/')) return 'forms';
  return 'open';
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function needsToken(protection: Protection, method: string, path: string): boolean {
  const area = areaOf(path);
  if (area === 'open') return false;
  if (area === 'admin') return true;
  return domainNeedsToken(protection, area, method);
}

/** The table's answer for one domain; what `/api/v1/me` reports asks it too (abilities.ts). */
export function domainNeedsToken(protection: Protection, domain: ProtectionDomain, method: string): boolean {
  const level = protection[domain];
  return level === 'all' || (level === 'writes' && !READS.has(method.toUpperCase()));
}

/** Whether any request at all can need a token, which makes the identity service critical to /health. */
export function anyDomainProtected(protection: Protection): boolean {
  return PROTECTION_DOMAINS.some((domain) => protection[domain] !== 'none');
}

/** The table as the startup log line shows it, one entry per area. */
export function protectionTable(protection: Protection, adminGroup: string): Record<string, string> {
  return {
    ...Object.fromEntries(PROTECTION_DOMAINS.map((d) => [d, protection[d]])),
    admin: `token from group ${JSON.stringify(adminGroup)}`,
    'health, openapi.json, docs': 'open',
  };
}
