import { PROTECTION_DOMAINS, PROTECTION_LEVELS, type ProtectConfig, type ProtectionDomain, type ProtectionLevel } from '../auth/protection.ts';
import { envName } from './names.ts';
import { fail, show } from './errors.ts';
import type { Reader } from './reader.ts';

export type Source = 'flag' | 'env' | 'default';

/** `--protect`: a level for every domain, then `DOMAIN=LEVEL` overrides, in the order given. */
export function protect(r: Reader): { protect: ProtectConfig; source: Source } {
  const flag = 'protect';
  const levels: Record<ProtectionDomain, ProtectionLevel> = { forms: 'all', documents: 'all' };
  const given = r.list(flag);
  if (given === undefined) return { protect: levels, source: 'default' };
  const src = given.source === 'env' ? ` from ${envName(flag)}` : '';
  const hint = `(flag --${flag}, repeatable, or ${envName(flag)}, comma-separated)`;
  const level = (item: string, v: string): ProtectionLevel => {
    const found = PROTECTION_LEVELS.find((l) => l === v.toLowerCase());
    if (found === undefined) {
      const inItem = item === v ? '' : ` in ${show(item)}`;
      fail(flag, `--${flag}: unknown level ${show(v)}${inItem}${src}; expected ${PROTECTION_LEVELS.join(', ')} ${hint}`);
    }
    return found;
  };
  if (given.items.length === 0) {
    fail(flag, `--${flag}: expected ${PROTECTION_LEVELS.join(', ')} or DOMAIN=LEVEL ${hint}`);
  }
  for (const item of given.items) {
    const eq = item.indexOf('=');
    if (eq === -1) {
      const l = level(item, item);
      for (const d of PROTECTION_DOMAINS) levels[d] = l;
      continue;
    }
    const name = item.slice(0, eq).trim();
    const domain = PROTECTION_DOMAINS.find((d) => d === name.toLowerCase());
    if (domain === undefined) {
      fail(flag, `--${flag}: unknown domain ${show(name)} in ${show(item)}${src}; expected ${PROTECTION_DOMAINS.join(', ')} ${hint}`);
    }
    levels[domain] = level(item, item.slice(eq + 1).trim());
  }
  return { protect: levels, source: given.source };
}
