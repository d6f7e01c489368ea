import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { CookieJar } from './cookies.ts';
import type { WebEnv } from './env.ts';
import { render } from './layout.tsx';
import type { SealKeys } from './seal.ts';

/**
 * Every POST carries `_csrf`: an HMAC of a random secret kept in its own HttpOnly cookie (anonymous
 * visitors have one too), so another site can neither read the token nor make one; and an `Origin` that is
 * the public URL's (a request without one is refused: every browser sends it on a POST). GET changes
 * nothing, so it needs neither.
 */

const CSRF_COOKIE = 'fg-csrf';
const CSRF_MAX_AGE_S = 30 * 24 * 3600;
export const WEB_MAX_BODY_BYTES = 1024 * 1024;

function tokenFor(secret: string, key: Uint8Array): string {
  return createHmac('sha256', key).update(secret).digest('base64url');
}

function matches(given: string, secret: string, keys: SealKeys): boolean {
  const a = Buffer.from(given);
  return keys.some((key) => {
    const b = Buffer.from(tokenFor(secret, key));
    return a.length === b.length && timingSafeEqual(a, b);
  });
}

export function csrfProtection(options: { jar: CookieJar; keys: SealKeys; origin: string }): MiddlewareHandler<WebEnv> {
  const { jar, keys, origin } = options;
  const limit = bodyLimit({ maxSize: WEB_MAX_BODY_BYTES, onError: (c) => tooLarge(c as Context<WebEnv>) as Response });
  return async (c, next) => {
    const existing = jar.get(c, CSRF_COOKIE);
    const secret = existing !== undefined && /^[A-Za-z0-9_-]{43}$/.test(existing) ? existing : randomBytes(32).toString('base64url');
    c.set('csrfToken', tokenFor(secret, keys[0]!));
    const proceed = async () => {
      if (c.req.method === 'POST') {
        if (c.req.header('origin') !== origin) return refused(c, 'It did not come from a page of this site.');
        const body = await c.req.parseBody().catch(() => undefined);
        const given = body?._csrf;
        if (existing === undefined || typeof given !== 'string' || !matches(given, secret, keys)) return refused(c, 'Its security token was missing or out of date.');
      }
      await next();
      return undefined;
    };
    const refusal = c.req.method === 'POST' ? await limitThen(limit, c, proceed) : await proceed();
    if (refusal !== undefined) c.res = refusal;
    if (existing !== secret) jar.set(c, CSRF_COOKIE, secret, CSRF_MAX_AGE_S);
  };
}

/** Runs `inner` behind the body limit; the limit's own 413 page, or what `inner` refused with. */
async function limitThen(limit: MiddlewareHandler, c: Context<WebEnv>, inner: () => Promise<Response | undefined>): Promise<Response | undefined> {
  let refusal: Response | undefined;
  const out = await limit(c, async () => {
    refusal = await inner();
  });
  return out instanceof Response ? out : refusal;
}

function refused(c: Context<WebEnv>, why: string): Promise<Response> {
  return Promise.resolve(
    render(c, {
      title: 'Form not accepted',
      status: 403,
      main: (
        <>
          <h1>This form was not accepted</h1>
          <p>{why} Nothing was changed.</p>
          <p>Go back, reload the page, and send the form again.</p>
        </>
      ),
    }),
  );
}

function tooLarge(c: Context<WebEnv>): Response | Promise<Response> {
  return render(c, {
    title: 'Too much to send',
    status: 413,
    main: (
      <>
        <h1>This form holds too much to send</h1>
        <p>What you sent is over {WEB_MAX_BODY_BYTES / 1024 / 1024} MiB. Go back, shorten the longest answers, and send it again.</p>
      </>
    ),
  });
}
