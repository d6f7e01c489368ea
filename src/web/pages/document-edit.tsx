import { Hono, type Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { WebEnv } from '../env.ts';
import { failurePage, problemDetail } from '../error-pages.tsx';
import { documentSchema, validationProblemSchema, type Document, type Form } from '../fields/api-schemas.ts';
import { displayValue } from '../fields/display.tsx';
import { NO_ERRORS, placeErrors, tooLargeErrors, type PlacedErrors } from '../fields/field-errors.ts';
import { documentFromValues, valuesFromBody, valuesFromDocument, type FormValues, type ParsedBody } from '../fields/form-values.ts';
import { render } from '../layout.tsx';
import { apiPaths, paths } from '../paths.ts';
import { expect, ifMatch, readForm } from './api-reads.ts';
import { conflictPage, postedVersion } from './conflict-page.tsx';
import { DocumentForm, ErrorSummary, Notice, titleWith } from './document-form.tsx';
import { readFormAndDocument } from './document-view.tsx';
import { takeDraft } from './draft.ts';
import { applyTheirChange, decodeRead, encodeRead } from '../fields/their-change.ts';
import { sentValues } from '../fields/sent-values.ts';
import { refusal, SignInFirst } from './may.tsx';
import { DraftRestored, sentAgainPage, sessionEnded } from './session-ended.tsx';

/** `/forms/:form/documents/:id/edit`: the form prefilled, saved with If-Match; a stale save shows both sides. */
export function documentEditPages() {
  const pages = new Hono<WebEnv>();

  pages.get('/forms/:form/documents/:id/edit', async (c) => {
    const read = await readFormAndDocument(c);
    if (!read.ok) return failurePage(c, read.error);
    const { form, doc } = read.value;
    const refused = refusal(c, form.may.update !== 'none', `You may not change documents of “${form.title}”.`);
    if (refused !== undefined) return refused;
    if (doc.deletedAt !== null) return conflictPage(c, form.name, doc.id, undefined, 'This document is deleted: restore it before changing it.');
    const draft = await takeDraft(c, c.req.path);
    const shown = valuesFromDocument(form.fields, doc.data);
    if (draft !== undefined) return editPage(c, form, doc.id, valuesFromBody(form.fields, draft.values as ParsedBody), draft.version ?? doc.version, NO_ERRORS, <DraftRestored />, 200, undefined, shown);
    const notice = form.may.update === 'none' ? <SignInFirst c={c} allowed={false} /> : undefined;
    return editPage(c, form, doc.id, shown, doc.version, NO_ERRORS, notice, 200, undefined, shown);
  });

  pages.post('/forms/:form/documents/:id/edit', async (c) => {
    const { form: name, id } = c.req.param();
    const body = (await c.req.parseBody({ all: true })) as ParsedBody;
    const version = postedVersion(body._version);
    const form = await readForm(c.get('api'), name);
    // Reading the form is the first call, so it is the one that finds the session ended: keep what was sent.
    if (!form.ok && form.error.status === 401) return sessionEnded(c, form.error, c.req.path, sentValues(body), version, (notice) => sentAgainPage(c, body, notice));
    if (!form.ok) return failurePage(c, form.error);
    const { fields } = form.value;
    const values = valuesFromBody(fields, body);
    const read = decodeRead(body._read);
    if (version === undefined) return conflictPage(c, name, id, undefined, 'This page did not say which version it changes. Open the document and edit it again.');
    const answer = await c.get('api').call('PATCH', apiPaths.document(name, id), { json: documentFromValues(fields, values, 'null'), headers: { 'if-match': ifMatch(version) } });
    switch (answer.status) {
      case 422: {
        const problem = expect(answer, 422, validationProblemSchema);
        if (!problem.ok) return failurePage(c, problem.error);
        return editPage(c, form.value, id, values, version, placeErrors(fields, problem.value.errors), undefined, 422, undefined, read);
      }
      case 413:
        return editPage(c, form.value, id, values, version, tooLargeErrors(problemDetail(answer)), undefined, 413, undefined, read);
      case 412:
        return staleEdit(c, form.value, id, values, read);
      case 409:
        return conflictPage(c, name, id, answer, 'This document can no longer be changed.');
      case 401:
        return sessionEnded(c, answer, c.req.path, values, version, (notice) => editPage(c, form.value, id, values, version, NO_ERRORS, notice, 401, undefined, read));
    }
    const saved = expect(answer, 200, documentSchema);
    if (!saved.ok) return failurePage(c, saved.error);
    return c.redirect(`${paths.document(name, id)}?saved=1`, 303);
  });

  return pages;
}

type EditStatus = 200 | 401 | 412 | 413 | 422;

function editPage(c: Context<WebEnv>, form: Form, id: string, values: FormValues, version: number, errors: PlacedErrors, notice: Child | undefined, status: EditStatus = 200, extra?: Child, read?: FormValues) {
  const title = `Edit: ${form.title}`;
  return render(c, {
    title: titleWith(title, errors),
    status,
    main: (
      <>
        <ErrorSummary errors={errors} />
        {notice === undefined ? null : <Notice>{notice}</Notice>}
        <h1>{title}</h1>
        {extra}
        <DocumentForm action={paths.editDocument(form.name, id)} fields={form.fields} values={values} errors={errors} csrfToken={c.get('csrfToken')} submitLabel="Save changes" hidden={{ _version: String(version), ...(read === undefined ? {} : { _read: encodeRead(read) }) }} />
        <p>
          <a href={paths.document(form.name, id)}>{status === 412 ? 'Discard my changes and see the document as it is now' : 'Cancel'}</a>
        </p>
      </>
    ),
  });
}

/**
 * Someone changed the document after this person opened it. The page shows, for each field where their
 * values differ from the current ones, both sides, and the form again with their values and the current
 * version, so sending it applies their change on top of the other.
 */
async function staleEdit(c: Context<WebEnv>, form: Form, id: string, theirs: FormValues, read: FormValues | undefined) {
  const current = expect(await c.get('api').call('GET', apiPaths.document(form.name, id)), 200, documentSchema);
  if (!current.ok) return failurePage(c, current.error);
  if (current.value.deletedAt !== null) return conflictPage(c, form.name, id, undefined, 'Someone deleted this document while you were editing it; your changes were not saved.');
  const now = valuesFromDocument(form.fields, current.value.data);
  const merged = applyTheirChange(form.fields, now, theirs, read);
  const differences = differing(form, current.value, theirs).filter((d) => merged.changed.includes(d.name));
  const comparison = (
    <>
      <p>Someone else saved this document after you opened it, so your changes were not saved. Here are the fields you changed, as saved now and as you wanted them:</p>
      <table class="table">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Saved now</th>
            <th scope="col">Yours</th>
          </tr>
        </thead>
        <tbody>
          {differences.map((d) => (
            <tr>
              <th scope="row">{d.label}</th>
              <td class="diff-old">{d.current}</td>
              <td class="diff-new">{d.theirs}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>The form below holds the version saved now with your changes on top. Save it to apply your change again, or discard it.</p>
    </>
  );
  return editPage(c, form, id, merged.values, current.value.version, NO_ERRORS, undefined, 412, comparison, now);
}

function differing(form: Form, current: Document, theirs: FormValues) {
  const mine = documentFromValues(form.fields, theirs, 'null');
  return Object.entries(form.fields)
    .filter(([name]) => JSON.stringify(current.data[name] ?? null) !== JSON.stringify(mine[name] ?? null))
    .map(([name, field]) => ({ name, label: field.label ?? name, current: displayValue(field, current.data[name]), theirs: displayValue(field, mine[name]) }));
}
