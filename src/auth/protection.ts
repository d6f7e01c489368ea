import type { ProtectConfig, ProtectionDomain } from '../config.ts';

/** Which requests need a token: one table, from `--protect`, read by one middleware. */

export type Protection = ProtectConfig;

/** Where a path belongs: a protected domain, or `open` for health, OpenAPI and docs. */
export function domainOf(path: string): ProtectionDomain | 'open' {
  if (/^\/api\/v1\/forms\/[^/]+\/documents(?:\/|$)/.test(path)) return 'documents';
  if (path.startsWith('/api/')) return 'forms';
  return 'open';
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function needsToken(protection: Protection, method: string, path: string): boolean {
  const domain = domainOf(path);
  if (domain === 'open') return false;
  const level = protection[domain];
  return level === 'all' || (level === 'writes' && !READS.has(method.toUpperCase()));
}
