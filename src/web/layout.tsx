import type { Context } from 'hono';
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { WebEnv } from './env.ts';
import { paths } from './paths.ts';

export interface PageOptions {
  /** The document title and, unless `heading` says otherwise, the h1. */
  readonly title: string;
  readonly main: Child;
  readonly status?: 200 | 400 | 401 | 403 | 404 | 409 | 412 | 413 | 422 | 429 | 502 | 503;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Every page in one shell: header with who is signed in, the main content, the stylesheet. */
export function render(c: Context<WebEnv>, page: PageOptions): Response | Promise<Response> {
  const person = c.get('person');
  return c.html(
    <>
      {raw('<!doctype html>')}
      <html lang="en">
          <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <title>{`${page.title} – Formgate`}</title>
            <link rel="stylesheet" href={paths.stylesheet} />
          </head>
          <body>
            <a class="skip-link" href="#main">
              Skip to main content
            </a>
            <header class="site-header">
              <a class="site-name" href={paths.home()}>
                Formgate
              </a>
              {person.signedIn ? <SignOut name={person.name} csrfToken={c.get('csrfToken')} /> : person.signInAvailable ? <a href={paths.signIn(c.req.path)}>Sign in</a> : null}
            </header>
            <main id="main">{page.main}</main>
          </body>
      </html>
    </>,
    page.status ?? 200,
    page.headers,
  );
}

function SignOut(props: { name: string | undefined; csrfToken: string }) {
  return (
    <form method="post" action={paths.signOut} class="sign-out">
      {props.name !== undefined ? <span>Signed in as {props.name}</span> : null}
      <CsrfField token={props.csrfToken} />
      <button type="submit">Sign out</button>
    </form>
  );
}

/** The hidden field every state-changing form carries; the web client's middleware checks it. */
export function CsrfField(props: { token: string }) {
  return <input type="hidden" name="_csrf" value={props.token} />;
}
