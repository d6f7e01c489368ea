import type { DatabaseConfig } from '../db/target.ts';
import { DEFAULT_PGLITE_DIR } from './defaults.ts';
import { fail, where } from './errors.ts';
import type { Reader } from './reader.ts';

/** `--database-url`: PostgreSQL, a PGlite directory or in-memory PGlite; the default is PGlite on disk. */
export function database(r: Reader): DatabaseConfig {
  const flag = 'database-url';
  const raw = r.scalar(flag);
  if (raw === undefined) return { kind: 'pglite-file', dir: DEFAULT_PGLITE_DIR };
  const v = raw.value;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(v)?.[1]?.toLowerCase();
  const forms = 'postgres://…, postgresql://…, file://DIR or memory://';
  if (scheme === 'postgres' || scheme === 'postgresql') {
    if (!/^[a-z]+:\/\//i.test(v)) {
      fail(flag, `--${flag}: expected ${forms}; a PostgreSQL URL starts with ${scheme}:// ${where(flag)}`);
    }
    return { kind: 'postgres', url: v };
  }
  if (scheme === 'file') {
    const dir = v.replace(/^file:(\/\/)?/i, '');
    if (dir === '') fail(flag, `--${flag}: file:// needs a directory, e.g. file://./data or file:///var/lib/formgate ${where(flag)}`);
    return { kind: 'pglite-file', dir };
  }
  if (scheme === 'memory') {
    if (!/^memory:(\/\/)?$/i.test(v)) fail(flag, `--${flag}: expected memory:// with nothing after it ${where(flag)}`);
    return { kind: 'pglite-memory' };
  }
  // Only the scheme is echoed: a database URL usually carries a password.
  const got = scheme === undefined ? 'a value without a scheme' : `the scheme "${scheme}:"`;
  return fail(flag, `--${flag}: expected ${forms}, got ${got} ${where(flag)}`);
}
