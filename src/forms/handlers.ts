import { OpenAPIHono } from '@hono/zod-openapi';
import { abilitiesOn } from '../auth/abilities.ts';
import type { Caller } from '../auth/caller.ts';
import type { ProtectConfig } from '../auth/protection.ts';
import { findForm } from './lookup.ts';
import type { FormRegistry } from './registry.ts';
import * as routes from './routes.ts';

type Env = { Variables: { caller: Caller } };

/**
 * A form as callers see it: its fields, its JSON Schema and what this caller may do, never its `access`
 * rules, which name the organisation's groups (and who may read everything) to anyone who asks.
 */
export function formRoutes(forms: FormRegistry, protection: ProtectConfig) {
  const app = new OpenAPIHono<Env>();
  app.openapi(routes.listForms, (c) => {
    const caller = c.get('caller');
    // `may` depends on the token: a shared cache must not hand one caller's answer to another.
    c.header('Vary', 'Authorization');
    return c.json(
      {
        items: forms.list().map(({ definition: d }) => ({
          name: d.name,
          title: d.title,
          ...(d.description ? { description: d.description } : {}),
          may: abilitiesOn(d, caller, protection),
        })),
      },
      200,
    );
  });
  app.openapi(routes.getForm, (c) => {
    const { definition: d, jsonSchema } = findForm(forms, c.req.valid('param').form);
    c.header('Vary', 'Authorization');
    return c.json(
      {
        name: d.name,
        title: d.title,
        ...(d.description ? { description: d.description } : {}),
        may: abilitiesOn(d, c.get('caller'), protection),
        fields: d.fields as Record<string, Record<string, unknown>>,
        schema: jsonSchema as Record<string, unknown>,
      },
      200,
    );
  });
  return app;
}
