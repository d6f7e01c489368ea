import { OpenAPIHono } from '@hono/zod-openapi';
import { ProblemError } from '../http/problem.ts';
import type { CompiledForm } from './compile.ts';
import type { FormRegistry } from './registry.ts';
import * as routes from './routes.ts';

export function formRoutes(forms: FormRegistry) {
  const app = new OpenAPIHono();
  app.openapi(routes.listForms, (c) =>
    c.json({ items: forms.list().map(({ definition: d }) => ({ name: d.name, title: d.title, ...(d.description ? { description: d.description } : {}) })) }, 200),
  );
  app.openapi(routes.getForm, (c) => {
    const { definition: d, jsonSchema } = findForm(forms, c.req.valid('param').form);
    return c.json(
      {
        name: d.name,
        title: d.title,
        ...(d.description ? { description: d.description } : {}),
        fields: d.fields as Record<string, Record<string, unknown>>,
        ...(d.access ? { access: d.access as Record<string, string[]> } : {}),
        schema: jsonSchema as Record<string, unknown>,
      },
      200,
    );
  });
  return app;
}

/** The form a request names, or a 404 that tells the caller where to find the names. */
export function findForm(forms: FormRegistry, name: string): CompiledForm {
  const form = forms.get(name);
  if (!form) throw new ProblemError(404, `There is no form "${name.slice(0, 100)}"; GET /api/v1/forms lists them.`);
  return form;
}
