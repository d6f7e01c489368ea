import { Hono, type Context } from 'hono';
import type { WebEnv } from '../env.ts';
import { failurePage } from '../error-pages.tsx';
import { documentPageSchema, type Document, type Form } from '../fields/api-schemas.ts';
import { displayValue, Instant } from '../fields/display.tsx';
import { render } from '../layout.tsx';
import { apiPaths, paths } from '../paths.ts';
import { contractBroken, expect, readForm } from './api-reads.ts';
import { apiListQuery, filterParams, nextQuery, PAGE_SIZES, pageQuery, previousQuery, readListQuery, type ListQuery } from './list-query.ts';

/** How many of the form's fields the table shows, beside the dates. */
const SHOWN_FIELDS = 2;

/** `/forms/:form/documents` (a page of the list) and `/forms/:form/documents.csv` (all of it, streamed). */
export function documentListPages() {
  const pages = new Hono<WebEnv>();

  pages.get('/forms/:form/documents', async (c) => {
    const q = readListQuery((name) => c.req.query(name));
    const name = c.req.param('form');
    // Asked together: the list does not wait for the form; the form's failure is the one shown first.
    const [form, answer] = await Promise.all([readForm(c.get('api'), name), c.get('api').call('GET', apiPaths.documents(name, apiListQuery(q)))]);
    if (!form.ok) return failurePage(c, form.error);
    const list = expect(answer, 200, documentPageSchema);
    if (!list.ok) return failurePage(c, list.error);
    return listPage(c, form.value, q, list.value.items, list.value.nextCursor);
  });

  pages.get('/forms/:form/documents.csv', async (c) => {
    const form = c.req.param('form');
    const q = readListQuery((name) => c.req.query(name));
    const response = await c.get('api').raw('GET', apiPaths.documents(form, filterParams(q).toString()), { accept: 'text/csv' });
    const type = response.headers.get('content-type') ?? '';
    if (response.ok && /^text\/csv/i.test(type)) {
      const headers = new Headers({ 'content-type': type, 'cache-control': 'no-store' });
      const disposition = response.headers.get('content-disposition');
      // The API names the file; a name of our own only if it did not, from the form name made safe for the header.
      headers.set('content-disposition', disposition ?? `attachment; filename="${form.replace(/[^A-Za-z0-9_-]/g, '_')}.csv"`);
      return new Response(response.body, { status: 200, headers });
    }
    const body = /json/i.test(type) ? await response.json().catch(() => null) : (await response.body?.cancel().catch(() => {}), null);
    const answer = { status: response.status, headers: response.headers, body };
    // A 200 that is not CSV: an API without the export.
    return failurePage(c, response.ok ? contractBroken(answer) : answer);
  });

  return pages;
}

function listPage(c: Context<WebEnv>, form: Form, q: ListQuery, items: readonly Document[], next: string | null) {
  const heading = q.deleted ? `Deleted documents: ${form.title}` : `Documents: ${form.title}`;
  const shown = Object.entries(form.fields).slice(0, SHOWN_FIELDS);
  const previous = previousQuery(q);
  const csv = filterParams(q).toString();
  return render(c, {
    title: heading,
    main: (
      <>
        <h1>{heading}</h1>
        <Choices form={form} q={q} signedIn={c.get('person').signedIn} />
        {items.length === 0 ? (
          <p>{q.cursor === undefined ? 'There are no documents here yet.' : 'There are no more documents.'}</p>
        ) : (
          <table class="table">
            <caption class="visually-hidden">{heading}, newest first</caption>
            <thead>
              <tr>
                {shown.map(([name, field]) => (
                  <th scope="col">{field.label ?? name}</th>
                ))}
                <th scope="col">Created</th>
                <th scope="col">{q.deleted ? 'Deleted' : 'Last changed'}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((doc) => (
                <tr>
                  {shown.map(([name, field], i) => (
                    <td>{i === 0 ? <a href={paths.document(form.name, doc.id)}>{displayValue(field, doc.data[name])}</a> : displayValue(field, doc.data[name])}</td>
                  ))}
                  <td>
                    <Instant iso={doc.createdAt} />
                  </td>
                  <td>
                    <Instant iso={doc.deletedAt ?? doc.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <nav class="pagination" aria-label="Pages">
          {previous === undefined ? null : (
            <>
              <a href={paths.documents(form.name, pageQuery({ ...q, cursor: undefined, back: [] }))}>First page</a>{' '}
              <a href={paths.documents(form.name, previous)} rel="prev">
                Previous page
              </a>{' '}
            </>
          )}
          {next === null ? null : (
            <a href={paths.documents(form.name, nextQuery(q, next))} rel="next">
              Next page
            </a>
          )}
        </nav>
        <p>
          Rows a page:{' '}
          {PAGE_SIZES.map((n) =>
            n === q.size ? (
              <strong aria-current="true">{n} </strong>
            ) : (
              <>
                <a href={paths.documents(form.name, pageQuery({ ...q, size: n, cursor: undefined, back: [] }))}>{n}</a>{' '}
              </>
            ),
          )}
        </p>
        <p>
          <a class="button button-secondary" href={paths.documentsCsv(form.name, csv)} download>
            Download CSV
          </a>{' '}
          {form.may.create ? <a href={paths.newDocument(form.name)}>Fill in {form.title}</a> : null}
        </p>
      </>
    ),
  });
}

/**
 * Own or all, live or deleted: only the choices the API gives this person. "Only yours" needs someone to be
 * yours: an anonymous visitor's documents belong to no one, so the API lists none of them as theirs.
 */
function Choices(props: { form: Form; q: ListQuery; signedIn: boolean }) {
  const { form, q } = props;
  const link = (mine: boolean, deleted: boolean, text: string) => {
    const current = q.mine === mine && q.deleted === deleted;
    return current ? <strong aria-current="page">{text}</strong> : <a href={paths.documents(form.name, filterParams({ mine, deleted }).toString())}>{text}</a>;
  };
  const all = form.may.read === 'all';
  return (
    <ul class="choices">
      <li>{link(false, false, all ? 'All documents' : 'Your documents')}</li>
      {all && props.signedIn ? <li>{link(true, false, 'Only yours')}</li> : null}
      <li>{link(q.mine, true, 'Deleted')}</li>
    </ul>
  );
}
