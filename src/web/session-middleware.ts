import type { Context, MiddlewareHandler } from 'hono';
import type { ApiFetch } from './api-client.ts';
import type { CookieJar } from './cookies.ts';
import type { WebEnv, WebVariables } from './env.ts';
import { personApi, SessionHolder } from './person-api.ts';
import type { Refresher } from './refresher.ts';
import type { SealKeys } from './seal.ts';
import { readSession, writeSession } from './session.ts';

/** The web client's own routes see the session itself; the pages see only `person` and `api`. */
export type CoreEnv = { Variables: WebVariables & { session: SessionHolder } };

/** A core route's context as the page helpers take it (they never look at `session`). */
export const pageContext = (c: Context<CoreEnv>): Context<WebEnv> => c as unknown as Context<WebEnv>;

export interface SessionSettings {
  readonly api: ApiFetch;
  readonly jar: CookieJar;
  readonly keys: SealKeys;
  /** `null` without sign-in: every visitor is anonymous and a leftover session cookie is ignored. */
  readonly refresher: Refresher | null;
}

/**
 * The id the host's request log gave this request (it comes as the `requestId` binding), so the API's log
 * lines join the page's; a web app served alone takes the caller's header as it is.
 */
function requestIdOf(c: Context<CoreEnv>): string | undefined {
  const bound = (c.env as { requestId?: unknown } | undefined)?.requestId;
  return typeof bound === 'string' ? bound : c.req.header('x-request-id');
}

/** Opens the session cookie (a tampered or stale one is no session), and writes it back when it changed. */
export function sessionMiddleware(settings: SessionSettings): MiddlewareHandler<CoreEnv> {
  return async (c, next) => {
    const signInAvailable = settings.refresher !== null;
    const opened = signInAvailable ? await readSession(c, settings.jar, settings.keys) : undefined;
    const holder = new SessionHolder(opened);
    c.set('session', holder);
    c.set('api', personApi(settings.api, holder, settings.refresher, requestIdOf(c)));
    c.set('person', {
      signedIn: opened !== undefined,
      signInAvailable,
      ...(opened?.name !== undefined ? { name: opened.name } : {}),
    });
    await next();
    if (holder.changed) await writeSession(c, settings.jar, settings.keys, holder.current);
  };
}
