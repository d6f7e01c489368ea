import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { ApiAnswer } from '../api-client.ts';
import type { WebEnv } from '../env.ts';
import { failurePage } from '../error-pages.tsx';
import type { FormValues, ParsedBody } from '../fields/form-values.ts';
import { sentValues } from '../fields/sent-values.ts';
import { render } from '../layout.tsx';
import { paths } from '../paths.ts';
import { keepDraft, sealDraft } from './draft.ts';

/** Shows the form again with their values and a notice, as the page that asked for it draws it. */
export type FormAgain = (notice: Child) => Response | Promise<Response>;

/**
 * The API said 401 to a fill-in or edit: the person's session ended. Their values are kept in the draft
 * cookie and they go to sign in and back to `page`; values too large to keep come back on the page with
 * what to do, before they are sent anywhere.
 */
export async function sessionEnded(c: Context<WebEnv>, answer: ApiAnswer, page: string, values: FormValues, version: number | undefined, again: FormAgain): Promise<Response> {
  if (!c.get('person').signInAvailable) return failurePage(c, answer);
  const sealed = await sealDraft({ page, values, ...(version === undefined ? {} : { version }) }, c.get('sealKeys'));
  if (sealed.ok) {
    keepDraft(c, sealed.value);
    return c.redirect(paths.signIn(page), 303);
  }
  return again(
    <>
      <p>
        <strong>Your session has ended, and nothing was saved.</strong> What you typed is too long to keep while you sign in again, so it is shown
        below.
      </p>
      <p>
        Copy anything long you wrote, <a href={paths.signIn(page)} target="_blank" rel="noopener">sign in in another tab</a>, then come back here and
        send the form again.
      </p>
    </>,
  );
}

export function DraftRestored() {
  return <p>You signed in again: what you typed before is filled in below. It has not been sent yet: check it and send the form.</p>;
}

/**
 * What a person sent, shown back when their session ended before the form could even be read (so there is
 * no form to draw) and it was too long to keep: each value in a read-only box they can copy from.
 */
export function sentAgainPage(c: Context<WebEnv>, body: ParsedBody, notice: Child) {
  const values = Object.entries(sentValues(body));
  return render(c, {
    title: 'Your session has ended',
    status: 401,
    main: (
      <>
        <div class="notice">{notice}</div>
        <h1>What you sent</h1>
        {values.map(([name, value], i) => (
          <div class="field">
            <label for={`sent-${i}`}>{name}</label>
            <textarea id={`sent-${i}`} readonly rows={3}>
              {Array.isArray(value) ? value.join('\n') : value}
            </textarea>
          </div>
        ))}
      </>
    ),
  });
}
