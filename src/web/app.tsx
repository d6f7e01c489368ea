import { Hono, type MiddlewareHandler } from 'hono';
import { nameSpanByRoute } from '../http/trace-requests.ts';
import { cookieJar } from './cookies.ts';
import { csrfProtection } from './csrf.tsx';
import type { WebEnv } from './env.ts';
import { nothingAt } from './error-pages.tsx';
import { formScope, formScopeGuard } from './form-scope.ts';
import { securityHeaders } from './headers.ts';
import { keysFor } from './keys.ts';
import type { WebOptions } from './options.ts';
import { documentPages } from './pages/document-pages.tsx';
import { formPages } from './pages/form-pages.tsx';
import { homePage } from './pages/home.tsx';
import { provider as openProvider, refreshGrant } from './provider.ts';
import { refresher } from './refresher.ts';
import { sessionMiddleware, type CoreEnv } from './session-middleware.ts';
import { signInRoutes } from './sign-in.tsx';
import { stylesheetRoute } from './stylesheet.ts';

/**
 * The web client: server-rendered pages at '/'. It never opens the database or reads the forms file:
 * every read and write is a request to the API through `options.api`, as this person.
 */
export function createWebApp(options: WebOptions) {
  const web = new Hono<CoreEnv>();
  const jar = cookieJar(options.publicUrl);
  const sessionKeys = keysFor('session', options.sessionKeys);
  const provider = options.signIn === null ? null : openProvider(options.signIn);

  // Outermost, so it reads the route after every page and middleware below has answered.
  web.use(nameSpanByRoute());
  web.use(securityHeaders(options.signIn === null ? null : new URL(options.signIn.issuer).origin));
  web.route('/', stylesheetRoute());
  web.use(sessionMiddleware({ api: options.api, jar, keys: sessionKeys, refresher: provider === null ? null : refresher((s) => refreshGrant(provider, s)) }));
  const pageKeys = keysFor('pages', options.sessionKeys);
  web.use(async (c, next) => {
    c.set('sealKeys', pageKeys);
    await next();
  });
  web.use(formScopeGuard(formScope(options.forms ?? null)) as unknown as MiddlewareHandler<CoreEnv>);
  web.use(csrfProtection({ jar, keys: keysFor('csrf', options.sessionKeys), origin: new URL(options.publicUrl).origin }));
  if (provider !== null) web.route('/', signInRoutes({ provider, publicUrl: options.publicUrl, jar, keys: sessionKeys }));

  const pages = new Hono<WebEnv>();
  pages.route('/', homePage());
  pages.route('/', formPages());
  pages.route('/', documentPages());
  pages.notFound(nothingAt);
  web.route('/', pages as unknown as Hono<CoreEnv>);
  web.notFound((c) => nothingAt(c as never));
  return web;
}
