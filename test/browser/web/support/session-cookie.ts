import { hkdfSync } from 'node:crypto';
import { compactDecrypt } from 'jose';

/**
 * Opens the web client's sealed cookies with the secret the test gave `--ui-session-secret-file`, to learn
 * which tokens the session held. The keys are derived as src/web/keys.ts derives them (HKDF-SHA-256: one
 * key per secret, then one per use); this file repeats the derivation on purpose, so a change to it that
 * would strand every existing session fails here rather than passing quietly. Nothing here seals.
 */

const SALT = 'formgate web client';

export type CookieUse = 'session' | 'csrf' | 'pages';

export function cookieKey(secret: string, use: CookieUse): Uint8Array {
  const base = hkdfSync('sha256', secret, SALT, 'session secret v1', 32);
  return new Uint8Array(hkdfSync('sha256', new Uint8Array(base), SALT, `use:${use}`, 32));
}

/** The cookie's plaintext as JSON, or `undefined` when the key does not open it (another cookie, or another key). */
export async function openCookie(value: string, key: Uint8Array): Promise<unknown> {
  // A JWE in compact form has five parts; anything else is not a sealed value.
  if (value.split('.').length !== 5) return undefined;
  try {
    const { plaintext } = await compactDecrypt(decodeURIComponent(value), key);
    return JSON.parse(new TextDecoder().decode(plaintext)) as unknown;
  } catch {
    return undefined;
  }
}

const JWT = /^eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** Long enough and of the alphabet to be a token (an opaque refresh token is 43 base64url characters). */
const TOKEN_LIKE = /^[A-Za-z0-9_.~+=-]{32,}$/;

export const isJwt = (value: string) => JWT.test(value);

/**
 * The tokens a payload holds, whatever its shape: every JWT anywhere (access and ID tokens) and, in a
 * session (`everyLongString`), every other string long enough and of the alphabet to be one (the opaque
 * refresh token). Other cookies keep random values that legitimately reach the page (the CSRF secret's
 * HMAC): from those only JWTs count.
 */
export function tokensIn(payload: unknown, everyLongString: boolean): string[] {
  if (typeof payload === 'string') return isJwt(payload) || (everyLongString && TOKEN_LIKE.test(payload)) ? [payload] : [];
  if (Array.isArray(payload)) return payload.flatMap((item) => tokensIn(item, everyLongString));
  if (payload !== null && typeof payload === 'object') return Object.values(payload).flatMap((v) => tokensIn(v, everyLongString));
  return [];
}

/**
 * Cookie values as the server may have split them: `NAME`, `NAME.1`, `NAME.2` … joined in order under
 * `NAME`, beside every value on its own.
 */
export function withJoinedChunks(cookies: readonly { name: string; value: string }[]): { name: string; value: string }[] {
  const byName = new Map(cookies.map((c) => [c.name, c.value]));
  const joined: { name: string; value: string }[] = [];
  for (const { name, value } of cookies) {
    if (/\.\d+$/.test(name) || !byName.has(`${name}.1`)) continue;
    let whole = value;
    for (let i = 1; byName.has(`${name}.${i}`); i += 1) whole += byName.get(`${name}.${i}`)!;
    joined.push({ name: `${name} (joined)`, value: whole });
  }
  return [...cookies, ...joined];
}

/**
 * The access token of the web client's session among a browser's cookies (chunks joined), opened with the
 * session secret; `undefined` when no session cookie opens with it.
 */
export async function accessTokenOf(cookies: readonly { name: string; value: string }[], secret: string): Promise<string | undefined> {
  const key = cookieKey(secret, 'session');
  const whole = withJoinedChunks(cookies.filter((c) => c.name === 'fg-session' || c.name.startsWith('fg-session.')));
  // The joined value, when there is one, is the session; a lone chunk opens only when there is no other.
  for (const cookie of [...whole].reverse()) {
    const opened = (await openCookie(cookie.value, key)) as { v?: { a?: unknown } } | undefined;
    if (typeof opened?.v?.a === 'string' && isJwt(opened.v.a)) return opened.v.a;
  }
  return undefined;
}
