import { DEFAULT_HOST, DEFAULT_MAX_BODY_BYTES, MAX_MAX_BODY_BYTES } from './defaults.ts';
import { FORM_NAME } from '../forms/definition.ts';
import { fail, invalid, where } from './errors.ts';
import type { FlagName } from './flags.ts';
import type { Raw } from './input.ts';
import type { Reader } from './reader.ts';

/** One parser per kind of value: each reads its flag, returns the default when not given, or fails. */

export function integer(r: Reader, flag: FlagName, def: number, min: number, max: number, unit = ''): number {
  const raw = r.scalar(flag);
  if (raw === undefined) return def;
  const n = /^[0-9]+$/.test(raw.value) ? Number(raw.value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    invalid(flag, `an integer from ${min} to ${max}${unit}`, raw);
  }
  return n;
}

export function nonEmpty(r: Reader, flag: FlagName, def: string, what: string): string {
  const raw = r.scalar(flag);
  if (raw === undefined) return def;
  if (raw.value === '') invalid(flag, what, raw);
  return raw.value;
}

export function choice<T extends string>(r: Reader, flag: FlagName, allowed: readonly T[], def: T): T {
  const raw = r.scalar(flag);
  if (raw === undefined) return def;
  const v = raw.value.toLowerCase();
  const found = allowed.find((a) => a === v);
  if (found === undefined) invalid(flag, `one of ${allowed.join(', ')}`, raw);
  return found;
}

/** The value as an http:// or https:// URL, or undefined for anything else. */
export function parseHttpUrl(value: string): URL | undefined {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

export function httpUrl(flag: FlagName, raw: Raw, extra = ''): string {
  const u = parseHttpUrl(raw.value);
  if (u === undefined) {
    invalid(flag, `an absolute http:// or https:// URL${extra}`, raw);
  }
  // fetch refuses URLs with credentials, and a password in a URL ends up in logs: say so at startup.
  if (u.username !== '' || u.password !== '') {
    fail(flag, `--${flag}: the URL must not carry a user name or password; introspection credentials go in --auth-client-id and --auth-client-secret ${where(flag)}`);
  }
  return raw.value;
}

export function maxBody(r: Reader): number {
  const flag = 'max-body';
  const raw = r.scalar(flag);
  if (raw === undefined) return DEFAULT_MAX_BODY_BYTES;
  const m = /^([0-9]+)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(raw.value);
  const units: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
  const n = m?.[1] === undefined ? NaN : Number(m[1]) * (units[(m[2] ?? 'b')[0]!.toLowerCase()] ?? NaN);
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_MAX_BODY_BYTES) {
    invalid(flag, 'a size from 1 byte to 1 GiB, in bytes or with a unit (e.g. 1048576, 512k, 512KiB, 2MB, 1MiB)', raw);
  }
  return n;
}

/** `--host`: anything but empty or containing whitespace; the listener says whether it can bind it. */
export function listenHost(r: Reader): string {
  const hostRaw = r.scalar('host');
  if (hostRaw !== undefined && (hostRaw.value === '' || /\s/.test(hostRaw.value))) {
    invalid('host', 'a host name or address such as 127.0.0.1, 0.0.0.0 or ::', hostRaw);
  }
  return hostRaw?.value ?? DEFAULT_HOST;
}

/** A form's name as the forms file allows it, so a typo in a list is caught here, not at every page. */
export function formName(flag: FlagName, raw: Raw): string {
  if (!FORM_NAME.test(raw.value)) invalid(flag, 'form names of lower-case letters, digits, - and _ (starting with a letter), comma-separated', raw);
  return raw.value;
}
