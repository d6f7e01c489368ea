import { OpenAPIHono } from '@hono/zod-openapi';
import { abilitiesOn } from '../auth/abilities.ts';
import type { Caller } from '../auth/caller.ts';
import type { ProtectConfig } from '../auth/protection.ts';
import type { FormRegistry } from '../forms/index.ts';
import * as routes from './routes.ts';

type Env = { Variables: { caller: Caller } };

/** `may` is what the API will answer this caller, protection level included (abilities.ts). */
export function meRoutes(forms: FormRegistry, protection: ProtectConfig) {
  const app = new OpenAPIHono<Env>();
  app.openapi(routes.getMe, (c) => {
    const caller = c.get('caller');
    const described =
      caller.kind === 'anonymous'
        ? { authenticated: false, kind: caller.kind, groups: [], scopes: [] }
        : {
            authenticated: true,
            kind: caller.kind,
            userId: caller.userId,
            ...(caller.name === undefined ? {} : { name: caller.name }),
            ...(caller.email === undefined ? {} : { email: caller.email }),
            groups: [...caller.groups],
            scopes: [...caller.scopes],
          };
    const abilities = forms.list().map(({ definition }) => ({
      name: definition.name,
      title: definition.title,
      may: abilitiesOn(definition, caller, protection),
    }));
    c.header('Vary', 'Authorization');
    return c.json({ caller: described, forms: abilities }, 200);
  });
  return app;
}
