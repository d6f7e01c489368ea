import { fail, invalid, where } from './errors.ts';
import type { Raw } from './input.ts';
import { envName } from './names.ts';
import { flagValue, type Reader } from './reader.ts';
import { integer, parseHttpUrl } from './values.ts';

/**
 * Which halves this process runs: the API (`--api`/`--no-api`) and the web client (`--ui`/`--no-ui`), and,
 * for a web client without an API of its own, where the API is (`--api-url`), libreForms' SERVER_ADDR.
 */

/** The API the web client talks to: the one in this process, or one over the network. */
export type ApiTarget = { readonly kind: 'in-process' } | { readonly kind: 'remote'; readonly url: string; readonly timeoutMs: number };

export const DEFAULT_API_TIMEOUT_MS = 10_000;

/** `--NAME`/`--no-NAME` (yargs gives a boolean), else `FORMGATE_NAME` (true/false, 1/0, yes/no, on/off), else on. */
export function halfEnabled(flags: Record<string, unknown>, env: Record<string, string | undefined>, flag: 'ui' | 'api'): boolean {
  const given = flagValue(flags, flag);
  const last = Array.isArray(given) ? given[given.length - 1] : given;
  if (typeof last === 'boolean') return last;
  const raw = last !== undefined ? String(last) : env[envName(flag)]?.trim();
  if (raw === undefined || raw === '') return true;
  if (/^(true|1|yes|on)$/i.test(raw)) return true;
  if (/^(false|0|no|off)$/i.test(raw)) return false;
  return invalid(flag, `true or false (or --no-${flag})`, { value: raw, source: last !== undefined ? 'flag' : 'env' });
}

/** The rules between the two halves; the API target when the web client runs, else `null`. */
export function apiTarget(r: Reader, halves: { api: boolean; ui: boolean }): ApiTarget | null {
  const urlRaw = r.scalar('api-url');
  const timeoutMs = integer(r, 'api-timeout', DEFAULT_API_TIMEOUT_MS, 100, 600_000, ' (milliseconds)');
  if (!halves.api && !halves.ui) {
    fail('api', 'both halves are off (--no-api and --no-ui): drop one; --no-ui runs the API alone, --no-api --api-url URL the web client alone');
  }
  if (halves.api) {
    if (urlRaw !== undefined) {
      if (!halves.ui) fail('api-url', `--api-url is for a web client without an API of its own, and --no-ui runs the API alone: drop --api-url ${where('api-url')}`);
      fail('api-url', `--api-url names the API of a web client that runs without one: add --no-api (${envName('api')}=false), or drop --api-url ${where('api-url')}`);
    }
    return halves.ui ? { kind: 'in-process' } : null;
  }
  if (urlRaw === undefined) {
    fail('api-url', `--no-api needs --api-url URL (${envName('api-url')}): the Formgate API this web client talks to, e.g. http://formgate-api:8080`);
  }
  return { kind: 'remote', url: apiBase(urlRaw), timeoutMs };
}

/** An http(s) base URL without credentials, query or fragment; a path is a prefix (a proxy's), kept without its last slash. */
function apiBase(raw: Raw): string {
  const u = parseHttpUrl(raw.value);
  if (u === undefined) {
    // `user:password@host` without a scheme parses with `user:` as the scheme: an '@' may hide a password.
    if (raw.value.includes('@')) fail('api-url', `--api-url: expected the API's http:// or https:// base URL without a user name or password, e.g. http://formgate-api:8080 ${where('api-url')}`);
    invalid('api-url', "the API's http:// or https:// base URL, e.g. http://formgate-api:8080", raw);
  }
  if (u.username !== '' || u.password !== '') {
    // The value is not echoed: the password is the point of refusing it.
    fail('api-url', `--api-url: the URL must not carry a user name or password: the API needs none of its own, each person's token goes with their requests ${where('api-url')}`);
  }
  // Not echoed: a query is where a token pasted by mistake would be.
  if (u.search !== '' || u.hash !== '') fail('api-url', `--api-url: expected a base URL without a query or fragment, e.g. http://formgate-api:8080 ${where('api-url')}`);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}
