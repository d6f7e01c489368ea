import type { Context } from 'hono';
import type { ApiAnswer } from '../api-client.ts';
import type { WebEnv } from '../env.ts';
import { problemDetail } from '../error-pages.tsx';
import { render } from '../layout.tsx';
import { paths } from '../paths.ts';

/** A change the document's state did not allow (409, or a 412 where re-applying makes no sense): what now. */
export function conflictPage(c: Context<WebEnv>, form: string, id: string, answer: ApiAnswer | undefined, fallback: string) {
  const detail = answer === undefined ? undefined : problemDetail(answer);
  return render(c, {
    title: 'This document has changed',
    status: 409,
    main: (
      <>
        <h1>This document has changed</h1>
        <p>{detail ?? fallback}</p>
        <p>
          <a href={paths.document(form, id)}>See the document as it is now</a>
        </p>
      </>
    ),
  });
}

/** The version a POST carries in its hidden `_version` field, or undefined when it is missing or not one. */
export function postedVersion(value: unknown): number | undefined {
  return typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}
