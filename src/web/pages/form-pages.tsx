import { Hono, type Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { WebEnv } from '../env.ts';
import { failurePage, problemDetail } from '../error-pages.tsx';
import { documentSchema, validationProblemSchema, type Form } from '../fields/api-schemas.ts';
import { NO_ERRORS, placeErrors, tooLargeErrors, type PlacedErrors } from '../fields/field-errors.ts';
import { defaultValues, documentFromValues, valuesFromBody, type FormValues, type ParsedBody } from '../fields/form-values.ts';
import { render } from '../layout.tsx';
import { apiPaths, paths } from '../paths.ts';
import { expect, readForm } from './api-reads.ts';
import { DocumentForm, ErrorSummary, Notice, titleWith } from './document-form.tsx';
import { takeDraft } from './draft.ts';
import { refusal, SignInFirst } from './may.tsx';
import { DraftRestored, sentAgainPage, sessionEnded } from './session-ended.tsx';
import { sentValues } from '../fields/sent-values.ts';

/** Fill in a form: `/forms/:form/new` (GET the empty form, POST to create). */
export function formPages() {
  const pages = new Hono<WebEnv>();

  pages.get('/forms/:form/new', async (c) => {
    const form = await readForm(c.get('api'), c.req.param('form'));
    if (!form.ok) return failurePage(c, form.error);
    const refused = refusal(c, form.value.may.create, `You may not fill in “${form.value.title}”.`);
    if (refused !== undefined) return refused;
    const draft = await takeDraft(c, c.req.path);
    if (draft !== undefined) return fillInPage(c, form.value, valuesFromBody(form.value.fields, draft.values as ParsedBody), NO_ERRORS, <DraftRestored />);
    const notice = form.value.may.create ? undefined : <SignInFirst c={c} allowed={false} />;
    return fillInPage(c, form.value, defaultValues(form.value.fields), NO_ERRORS, notice);
  });

  pages.post('/forms/:form/new', async (c) => {
    const body = (await c.req.parseBody({ all: true })) as ParsedBody;
    const form = await readForm(c.get('api'), c.req.param('form'));
    // Reading the form is the first call, so it is the one that finds the session ended: keep what was sent.
    if (!form.ok && form.error.status === 401) return sessionEnded(c, form.error, c.req.path, sentValues(body), undefined, (notice) => sentAgainPage(c, body, notice));
    if (!form.ok) return failurePage(c, form.error);
    const { fields, name } = form.value;
    const values = valuesFromBody(fields, body);
    const answer = await c.get('api').call('POST', apiPaths.documents(name), { json: documentFromValues(fields, values, 'absent') });
    if (answer.status === 422) {
      const problem = expect(answer, 422, validationProblemSchema);
      if (!problem.ok) return failurePage(c, problem.error);
      return fillInPage(c, form.value, values, placeErrors(fields, problem.value.errors), undefined, 422);
    }
    if (answer.status === 413) return fillInPage(c, form.value, values, tooLargeErrors(problemDetail(answer)), undefined, 413);
    if (answer.status === 401) return sessionEnded(c, answer, c.req.path, values, undefined, (notice) => fillInPage(c, form.value, values, NO_ERRORS, notice, 401));
    const created = expect(answer, 201, documentSchema);
    if (!created.ok) return failurePage(c, created.error);
    // A form people may send but not read back (a contact form): the document page would refuse them.
    if (form.value.may.read === 'none') return sentPage(c, form.value);
    return c.redirect(`${paths.document(name, created.value.id)}?created=1`, 303);
  });

  return pages;
}

function sentPage(c: Context<WebEnv>, form: Form) {
  return render(c, {
    title: `Sent: ${form.title}`,
    main: (
      <>
        <Notice>
          <p>
            <strong>Thank you: your “{form.title}” was sent.</strong>
          </p>
        </Notice>
        <h1>{form.title}</h1>
        <p>
          <a href={paths.newDocument(form.name)}>Send another</a> or go back to <a href={paths.home()}>the list of forms</a>.
        </p>
      </>
    ),
  });
}

function fillInPage(c: Context<WebEnv>, form: Form, values: FormValues, errors: PlacedErrors, notice: Child | undefined, status: 200 | 401 | 413 | 422 = 200) {
  return render(c, {
    title: titleWith(form.title, errors),
    status,
    main: (
      <>
        <ErrorSummary errors={errors} />
        {notice === undefined ? null : <Notice>{notice}</Notice>}
        <h1>{form.title}</h1>
        {form.description === undefined ? null : <p class="lead">{form.description}</p>}
        {form.may.read === 'none' ? null : (
          <p>
            <a href={paths.documents(form.name)}>{form.may.read === 'all' ? 'See the documents sent' : 'See what you sent'}</a>
          </p>
        )}
        <DocumentForm action={paths.newDocument(form.name)} fields={form.fields} values={values} errors={errors} csrfToken={c.get('csrfToken')} submitLabel="Send" />
      </>
    ),
  });
}
