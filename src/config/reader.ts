import { fail, where } from './errors.ts';
import type { FlagName } from './flags.ts';
import type { Raw } from './input.ts';
import { camelName, envName } from './names.ts';

/**
 * Precedence for every flag: the flag (kebab-case or camelCase key, `undefined` = not given), then its
 * environment twin `FORMGATE_<FLAG>` (empty = unset), then the parser's default.
 */

export function flagValue(flags: Record<string, unknown>, flag: string): unknown {
  const kebab = flags[flag];
  return kebab !== undefined ? kebab : flags[camelName(flag)];
}

function scalarToString(flag: string, v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'bigint') return String(v);
  return fail(flag, `--${flag}: expected a value ${where(flag)}`);
}

export interface Reader {
  /** A scalar flag: flag, else env twin, else undefined. Repeated flags: the last one wins. */
  scalar(flag: FlagName | 'token', opts?: { trim?: boolean }): Raw | undefined;
  /** `--protect`: every flag occurrence (each may hold a comma-separated list), else the env list. */
  list(flag: FlagName): { items: string[]; source: 'flag' | 'env' } | undefined;
}

export function reader(flags: Record<string, unknown>, env: Record<string, string | undefined>): Reader {
  const fromEnv = (flag: string): string | undefined => {
    const v = env[envName(flag)];
    return v === undefined || v.trim() === '' ? undefined : v;
  };
  return {
    scalar(flag, opts = {}) {
      const trim = opts.trim ?? true;
      let v = flagValue(flags, flag);
      if (Array.isArray(v)) v = v.length === 0 ? '' : v[v.length - 1];
      if (v !== undefined) {
        const s = scalarToString(flag, v);
        return { value: trim ? s.trim() : s, source: 'flag' };
      }
      const e = fromEnv(flag);
      return e === undefined ? undefined : { value: trim ? e.trim() : e, source: 'env' };
    },
    list(flag) {
      const v = flagValue(flags, flag);
      if (v !== undefined) {
        const parts = (Array.isArray(v) ? v : [v]).map((x) => scalarToString(flag, x));
        return { items: splitList(parts), source: 'flag' };
      }
      const e = fromEnv(flag);
      return e === undefined ? undefined : { items: splitList([e]), source: 'env' };
    },
  };
}

function splitList(parts: string[]): string[] {
  return parts
    .flatMap((p) => p.split(','))
    .map((p) => p.trim())
    .filter((p) => p !== '');
}
