import { Hono, type Context } from 'hono';
import type { ApiAnswer } from '../api-client.ts';
import type { WebEnv } from '../env.ts';
import { failurePage } from '../error-pages.tsx';
import { documentSchema, historySchema, type Document, type FieldChange, type Form, type History } from '../fields/api-schemas.ts';
import { displayValue, Instant, who } from '../fields/display.tsx';
import { render, CsrfField } from '../layout.tsx';
import { apiPaths, paths } from '../paths.ts';
import { expect, readForm } from './api-reads.ts';
import { Notice } from './document-form.tsx';
import { err, ok, type Result } from '../../result.ts';

/** What a redirect after a change says on the document page; only these words travel in the URL. */
const CONFIRMATIONS: Readonly<Record<string, string>> = {
  created: 'Your document was sent.',
  saved: 'Your changes were saved.',
  restored: 'The document was restored.',
};

/** The form and one of its documents, read together. */
export async function readFormAndDocument(c: Context<WebEnv>): Promise<Result<{ form: Form; doc: Document; version: number }, ApiAnswer>> {
  const api = c.get('api');
  const [form, answer] = await Promise.all([readForm(api, c.req.param('form') ?? ''), api.call('GET', apiPaths.document(c.req.param('form') ?? '', c.req.param('id') ?? ''))]);
  if (!form.ok) return form;
  const doc = expect(answer, 200, documentSchema);
  if (!doc.ok) return doc;
  return doc.value.form === form.value.name ? ok({ form: form.value, doc: doc.value, version: doc.value.version }) : err({ ...answer, status: 404 });
}

/** `/forms/:form/documents/:id` and its `/history`. */
export function documentViewPages() {
  const pages = new Hono<WebEnv>();

  pages.get('/forms/:form/documents/:id', async (c) => {
    const read = await readFormAndDocument(c);
    if (!read.ok) return failurePage(c, read.error);
    const { form, doc } = read.value;
    const confirmation = Object.keys(CONFIRMATIONS).find((key) => c.req.query(key) === '1');
    return render(c, {
      title: `${form.title}: a document`,
      main: (
        <>
          {confirmation === undefined ? null : <Notice>{CONFIRMATIONS[confirmation]}</Notice>}
          <h1>{form.title}</h1>
          {doc.deletedAt === null ? null : (
            <Notice>
              This document was deleted by {who(doc.deletedBy)} on <Instant iso={doc.deletedAt} />.
            </Notice>
          )}
          <Values form={form} data={doc.data} />
          <h2>About this document</h2>
          <dl class="summary-list">
            <div>
              <dt>Created</dt>
              <dd>
                by {who(doc.createdBy)} on <Instant iso={doc.createdAt} />
              </dd>
            </div>
            <div>
              <dt>Last changed</dt>
              <dd>
                by {who(doc.updatedBy)} on <Instant iso={doc.updatedAt} /> (version {doc.version})
              </dd>
            </div>
          </dl>
          <Actions c={c} form={form} doc={doc} />
        </>
      ),
    });
  });

  pages.get('/forms/:form/documents/:id/history', async (c) => {
    const { form: name, id } = c.req.param();
    const [form, answer] = await Promise.all([readForm(c.get('api'), name), c.get('api').call('GET', apiPaths.history(name, id))]);
    if (!form.ok) return failurePage(c, form.error);
    const history = expect(answer, 200, historySchema);
    if (!history.ok) return failurePage(c, history.error);
    return render(c, {
      title: `History: ${form.value.title}`,
      main: (
        <>
          <h1>History: {form.value.title}</h1>
          <p>
            <a href={paths.document(name, id)}>Back to the document</a>
          </p>
          <HistoryList form={form.value} items={history.value.items} />
        </>
      ),
    });
  });

  return pages;
}

export function Values(props: { form: Form; data: Readonly<Record<string, unknown>> }) {
  return (
    <dl class="summary-list">
      {Object.entries(props.form.fields).map(([name, field]) => (
        <div>
          <dt>{field.label ?? name}</dt>
          <dd>{displayValue(field, props.data[name])}</dd>
        </div>
      ))}
    </dl>
  );
}

function Actions(props: { c: Context<WebEnv>; form: Form; doc: Document }) {
  const { form, doc } = props;
  const live = doc.deletedAt === null;
  return (
    <ul class="actions">
      {live && form.may.update !== 'none' ? (
        <li>
          <a class="button" href={paths.editDocument(form.name, doc.id)}>
            Edit
          </a>
        </li>
      ) : null}
      {live && form.may.delete !== 'none' ? (
        <li>
          <a class="button button-warning" href={paths.deleteDocument(form.name, doc.id)}>
            Delete
          </a>
        </li>
      ) : null}
      {!live && form.may.delete !== 'none' ? (
        <li>
          <form method="post" action={paths.restoreDocument(form.name, doc.id)}>
            <CsrfField token={props.c.get('csrfToken')} />
            <input type="hidden" name="_version" value={String(doc.version)} />
            <button type="submit" class="button">
              Restore
            </button>
          </form>
        </li>
      ) : null}
      <li>
        <a href={paths.documentHistory(form.name, doc.id)}>History</a>
      </li>
      <li>
        <a href={paths.documents(form.name, live ? '' : 'deleted=true')}>All {live ? '' : 'deleted '}documents of this form</a>
      </li>
    </ul>
  );
}

const ACTIONS: Readonly<Record<History['items'][number]['action'], string>> = { create: 'Created', update: 'Changed', delete: 'Deleted', restore: 'Restored' };

function HistoryList(props: { form: Form; items: History['items'] }) {
  // The API lists the oldest first; people look for the latest change first.
  const items = [...props.items].reverse();
  return (
    <ol class="history" reversed>
      {items.map((item) => (
        <li>
          <h2>
            Version {item.version}: {ACTIONS[item.action]} by {who(item.by)} on <Instant iso={item.at} />
          </h2>
          {item.changes.length === 0 ? null : (
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Before</th>
                  <th scope="col">After</th>
                </tr>
              </thead>
              <tbody>
                {inFormOrder(props.form, item.changes).map((change) => {
                  const field = Object.hasOwn(props.form.fields, change.field) ? props.form.fields[change.field] : undefined;
                  return (
                    <tr>
                      <th scope="row">{field?.label ?? change.field}</th>
                      <td class="diff-old">{displayValue(field, change.from)}</td>
                      <td class="diff-new">{displayValue(field, change.to)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </li>
      ))}
    </ol>
  );
}

/** Changes in the order the form lists its fields (fields no longer in the form last). */
function inFormOrder(form: Form, changes: readonly FieldChange[]): FieldChange[] {
  const order = Object.keys(form.fields);
  const rank = (field: string) => (order.includes(field) ? order.indexOf(field) : order.length);
  return [...changes].sort((a, b) => rank(a.field) - rank(b.field));
}
