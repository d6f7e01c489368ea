import { Hono, type Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { WebEnv } from '../env.ts';
import { failurePage } from '../error-pages.tsx';
import { documentSchema, type Document, type Form } from '../fields/api-schemas.ts';
import { CsrfField, render } from '../layout.tsx';
import { apiPaths, paths } from '../paths.ts';
import { expect, ifMatch } from './api-reads.ts';
import { conflictPage, postedVersion } from './conflict-page.tsx';
import { Notice } from './document-form.tsx';
import { readFormAndDocument, Values } from './document-view.tsx';

/** `…/delete` (GET: are you sure; POST: delete) and `…/restore` (POST). Both check the version shown. */
export function documentDeletePages() {
  const pages = new Hono<WebEnv>();

  pages.get('/forms/:form/documents/:id/delete', async (c) => {
    const read = await readFormAndDocument(c);
    if (!read.ok) return failurePage(c, read.error);
    const { form, doc } = read.value;
    if (doc.deletedAt !== null) return c.redirect(paths.document(form.name, doc.id), 303);
    return confirmPage(c, form, doc, undefined);
  });

  pages.post('/forms/:form/documents/:id/delete', async (c) => {
    const { form, id } = c.req.param();
    const version = postedVersion((await c.req.parseBody())._version);
    if (version === undefined) return conflictPage(c, form, id, undefined, 'This page did not say which version to delete. Open the document and try again.');
    const answer = await c.get('api').call('DELETE', apiPaths.document(form, id), { headers: { 'if-match': ifMatch(version) } });
    if (answer.status === 204) return c.redirect(paths.document(form, id), 303);
    if (answer.status === 412) {
      // Changed since they looked: ask again, showing what they would delete now.
      const read = await readFormAndDocument(c);
      if (!read.ok) return failurePage(c, read.error);
      return confirmPage(c, read.value.form, read.value.doc, <p>Someone changed this document after you opened it. Check it as it is now before you delete it.</p>);
    }
    if (answer.status === 409) return conflictPage(c, form, id, answer, 'This document is already deleted.');
    return failurePage(c, answer);
  });

  pages.post('/forms/:form/documents/:id/restore', async (c) => {
    const { form, id } = c.req.param();
    const version = postedVersion((await c.req.parseBody())._version);
    const headers: Record<string, string> = version === undefined ? {} : { 'if-match': ifMatch(version) };
    const answer = await c.get('api').call('POST', apiPaths.restore(form, id), { headers });
    if (answer.status === 409 || answer.status === 412) return conflictPage(c, form, id, answer, 'The document changed since you opened it.');
    const restored = expect(answer, 200, documentSchema);
    if (!restored.ok) return failurePage(c, restored.error);
    return c.redirect(`${paths.document(form, id)}?restored=1`, 303);
  });

  return pages;
}

function confirmPage(c: Context<WebEnv>, form: Form, doc: Document, notice: Child | undefined) {
  return render(c, {
    title: `Delete this document? ${form.title}`,
    status: notice === undefined ? 200 : 412,
    main: (
      <>
        {notice === undefined ? null : <Notice>{notice}</Notice>}
        <h1>Delete this document?</h1>
        <p>
          It leaves the list of <strong>{form.title}</strong> documents; whoever may delete it can restore it from the deleted ones.
        </p>
        <Values form={form} data={doc.data} />
        <form method="post" action={paths.deleteDocument(form.name, doc.id)}>
          <CsrfField token={c.get('csrfToken')} />
          <input type="hidden" name="_version" value={String(doc.version)} />
          <button type="submit" class="button button-warning">
            Yes, delete it
          </button>{' '}
          <a href={paths.document(form.name, doc.id)}>No, keep it</a>
        </form>
      </>
    ),
  });
}
