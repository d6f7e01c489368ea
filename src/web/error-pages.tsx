import type { Context } from 'hono';
import { problemBody, problemResponse } from '../http/problem.ts';
import type { ApiAnswer } from './api-client.ts';
import type { WebEnv } from './env.ts';
import { render } from './layout.tsx';
import { paths } from './paths.ts';

/** What the API said went wrong, in its own words (problem+json `detail`), when it said so. */
export function problemDetail(answer: ApiAnswer): string | undefined {
  const body = answer.body as { detail?: unknown } | null;
  return body !== null && typeof body === 'object' && typeof body.detail === 'string' ? body.detail : undefined;
}

/** Seconds from a `Retry-After` header (delta-seconds only; a date or nonsense falls back to a few seconds). */
export function retryAfterSeconds(headers: Headers, fallback = 5): number {
  const value = headers.get('retry-after');
  return value !== null && /^\d{1,6}$/.test(value) ? Number(value) : fallback;
}

/**
 * An API answer that is not a success, as a page a person can act on. A 401 sends them to sign in and
 * back (`returnTo`, default: this page); never raw JSON, never a stack trace.
 */
export function failurePage(c: Context<WebEnv>, answer: ApiAnswer, returnTo: string = c.req.path): Response | Promise<Response> {
  const detail = problemDetail(answer);
  switch (answer.status) {
    case 401:
      if (c.get('person').signInAvailable) return c.redirect(paths.signIn(returnTo), 303);
      return render(c, {
        title: 'Sign-in needed',
        status: 401,
        main: (
          <>
            <h1>Sign-in needed</h1>
            <p>This needs a signed-in person, and sign-in is not set up on this server.</p>
            <p>The operator enables it by starting Formgate with <code>--ui-issuer</code>, <code>--ui-client-id</code> and a client secret.</p>
          </>
        ),
      });
    case 403:
      return render(c, { title: 'Not allowed', status: 403, main: <Message heading="You may not do this" detail={detail ?? 'Your account is not allowed to do this.'} /> });
    case 404:
      return notFoundPage(c);
    case 503:
    case 502: {
      const seconds = retryAfterSeconds(answer.headers);
      return render(c, {
        title: 'Service unavailable',
        status: 503,
        headers: { 'retry-after': String(seconds) },
        main: <Message heading="The service is unavailable" detail={`Try again in ${seconds} s.${detail !== undefined ? ` ${detail}` : ''}`} />,
      });
    }
    default:
      return render(c, { title: 'Something went wrong', status: 502, main: <Message heading="Something went wrong" detail={detail ?? 'The server could not do this. Try again later.'} /> });
  }
}

/**
 * A path the web client has no page for: a page for a browser (it asks for text/html), a problem for
 * anything else (curl, an API client with a mistyped path), like every other 404 of the host.
 */
export function nothingAt(c: Context<WebEnv>): Response | Promise<Response> {
  if ((c.req.header('accept') ?? '').includes('text/html')) return notFoundPage(c);
  return problemResponse(problemBody(404, `There is nothing at ${c.req.method} ${c.req.path.slice(0, 200)}.`, {}, c.req.path));
}

export function notFoundPage(c: Context<WebEnv>): Response | Promise<Response> {
  return render(c, {
    title: 'Page not found',
    status: 404,
    main: (
      <>
        <h1>Page not found</h1>
        <p>There is nothing at this address. Check it, or start again from <a href={paths.home()}>the list of forms</a>.</p>
      </>
    ),
  });
}

function Message(props: { heading: string; detail: string }) {
  return (
    <>
      <h1>{props.heading}</h1>
      <p>{props.detail}</p>
      <p>
        <a href={paths.home()}>Back to the list of forms</a>
      </p>
    </>
  );
}
