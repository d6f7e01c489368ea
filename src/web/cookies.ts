import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

/**
 * The web client's cookies: HttpOnly, SameSite=Lax, Path=/, and on an https public URL `Secure` with the
 * `__Host-` prefix (the browser then refuses the same name set by a sibling host or over http).
 */
export interface CookieJar {
  name(base: string): string;
  get(c: Context, base: string): string | undefined;
  set(c: Context, base: string, value: string, maxAgeS: number): void;
  clear(c: Context, base: string): void;
}

export function cookieJar(publicUrl: string): CookieJar {
  const secure = new URL(publicUrl).protocol === 'https:';
  const name = (base: string) => (secure ? `__Host-${base}` : base);
  const attributes = { httpOnly: true, sameSite: 'Lax', path: '/', secure } as const;
  return {
    name,
    get: (c, base) => getCookie(c, name(base)),
    set: (c, base, value, maxAgeS) => setCookie(c, name(base), value, { ...attributes, maxAge: maxAgeS }),
    clear: (c, base) => void deleteCookie(c, name(base), attributes),
  };
}
