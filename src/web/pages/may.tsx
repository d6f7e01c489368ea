import type { Context } from 'hono';
import type { WebEnv } from '../env.ts';
import { failurePage } from '../error-pages.tsx';
import { paths } from '../paths.ts';

/**
 * A page for something this person may not do (the API's `may` says so): a 403 page, except for a visitor
 * who is not signed in where sign-in is available. They see the form with a word to sign in (`SignInFirst`):
 * what they type then survives the sign-in (draft.ts), and the API still decides when they send it.
 */
export function refusal(c: Context<WebEnv>, allowed: boolean, detail: string): Response | Promise<Response> | undefined {
  if (allowed) return undefined;
  const person = c.get('person');
  if (!person.signedIn && person.signInAvailable) return undefined;
  return failurePage(c, { status: 403, headers: new Headers(), body: { detail } });
}

export function SignInFirst(props: { c: Context<WebEnv>; allowed: boolean }) {
  if (props.allowed) return null;
  return (
    <p>
      You need to sign in to send this form. <a href={paths.signIn(props.c.req.path)}>Sign in</a> first, or fill it in now: what you type is kept
      while you sign in.
    </p>
  );
}
