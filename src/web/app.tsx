import { Hono } from 'hono';
import { apiCaller } from './api-client.ts';
import type { WebEnv } from './env.ts';
import { notFoundPage } from './error-pages.tsx';
import type { WebOptions } from './options.ts';
import { documentPages } from './pages/document-pages.tsx';
import { formPages } from './pages/form-pages.tsx';
import { homePage } from './pages/home.tsx';

/**
 * The web client: server-rendered pages at '/'. It never opens the database or reads the forms file:
 * every read and write is a request to the API through `options.api`, as this person.
 */
export function createWebApp(options: WebOptions) {
  const web = new Hono<WebEnv>();
  // TODO(core): session cookie, refresh, CSRF + Origin check on POST, security headers, sign-in routes.
  web.use(async (c, next) => {
    c.set('person', { signedIn: false, signInAvailable: options.signIn !== null });
    c.set('api', apiCaller(options.api, async () => undefined, c.req.header('x-request-id')));
    c.set('csrfToken', 'todo');
    c.set('sealKeys', options.sessionKeys);
    await next();
  });
  web.route('/', homePage());
  web.route('/', formPages());
  web.route('/', documentPages());
  web.notFound(notFoundPage);
  return web;
}
