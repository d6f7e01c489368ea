import { Hono } from 'hono';
import { z } from 'zod';
import type { Person, WebEnv } from '../env.ts';
import { failurePage } from '../error-pages.tsx';
import { render } from '../layout.tsx';
import { apiPaths, paths } from '../paths.ts';

/** `/`: the forms this person may use, from /api/v1/me, with what they may do on each. */

const Scope = z.enum(['all', 'own', 'none']);
const Abilities = z.object({ create: z.boolean(), read: Scope, update: Scope, delete: Scope });
const Me = z.object({
  caller: z.object({ authenticated: z.boolean(), name: z.string().optional(), userId: z.string().optional() }),
  forms: z.array(z.object({ name: z.string(), title: z.string(), may: Abilities })),
});
const FormList = z.object({ items: z.array(z.object({ name: z.string(), description: z.string().optional() })) });

type FormEntry = z.infer<typeof Me>['forms'][number] & { description?: string };

export function homePage() {
  const pages = new Hono<WebEnv>();
  pages.get('/', async (c) => {
    const api = c.get('api');
    // Asked together: the page needs both, and neither depends on the other.
    const [answer, list] = await Promise.all([api.call('GET', apiPaths.me), api.call('GET', apiPaths.forms)]);
    if (answer.status !== 200) return failurePage(c, answer);
    const me = Me.safeParse(answer.body);
    if (!me.success) return failurePage(c, { ...answer, status: 502, body: null });
    // Descriptions come from the form list; a form list that fails only costs the descriptions.
    const described = list.status === 200 ? FormList.safeParse(list.body) : undefined;
    const descriptions = new Map((described?.success ? described.data.items : []).map((f) => [f.name, f.description]));
    const forms: FormEntry[] = me.data.forms.map((f) => {
      const description = descriptions.get(f.name);
      return description !== undefined ? { ...f, description } : f;
    });
    const offers = c.get('offers');
    const usable = forms.filter((f) => offers(f.name) && (f.may.create || f.may.read !== 'none'));
    return render(c, {
      title: 'Forms',
      main: (
        <>
          <h1>Forms</h1>
          <Who person={c.get('person')} />
          {usable.length === 0 ? <p>There is no form you may fill in or read here.</p> : usable.map((f) => <FormCard form={f} />)}
        </>
      ),
    });
  });
  return pages;
}

function Who(props: { person: Person }) {
  const { person } = props;
  if (person.signedIn) return <p>These are the forms you may use{person.name !== undefined ? `, ${person.name}` : ''}.</p>;
  if (person.signInAvailable) {
    return (
      <p>
        You are not signed in: these are the forms anyone may use. <a href={paths.signIn('/')}>Sign in</a> to see the forms of your account.
      </p>
    );
  }
  return (
    <p>
      These are the forms anyone may use. Sign-in is not set up on this server: the operator enables it by starting Formgate with{' '}
      <code>--ui-issuer</code>, <code>--ui-client-id</code>, a client secret and a session secret.
    </p>
  );
}

function FormCard(props: { form: FormEntry }) {
  const { form } = props;
  const reads = form.may.read === 'all' ? 'See all documents' : form.may.read === 'own' ? 'See your documents' : undefined;
  return (
    <section aria-labelledby={`form-${form.name}`}>
      <h2 id={`form-${form.name}`}>{form.title}</h2>
      {form.description !== undefined ? <p>{form.description}</p> : null}
      <p class="hint">{mayText(form.may)}</p>
      <p>
        {form.may.create ? (
          <a class="button" href={paths.newDocument(form.name)}>
            Fill in<span class="visually-hidden"> {form.title}</span>
          </a>
        ) : null}
        {reads !== undefined ? (
          <a class="button button-secondary" href={paths.documents(form.name)}>
            {reads}
            <span class="visually-hidden"> of {form.title}</span>
          </a>
        ) : null}
      </p>
    </section>
  );
}

function mayText(may: z.infer<typeof Abilities>): string {
  const parts: string[] = [];
  if (may.create) parts.push('fill it in');
  if (may.read !== 'none') parts.push(may.read === 'all' ? 'read every document' : 'read your own documents');
  if (may.update !== 'none') parts.push(may.update === 'all' ? 'change any document' : 'change your own');
  if (may.delete !== 'none') parts.push(may.delete === 'all' ? 'delete any document' : 'delete your own');
  return `You may ${parts.join(', ')}.`;
}
