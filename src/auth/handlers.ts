import { OpenAPIHono } from '@hono/zod-openapi';
import type { FormRegistry } from '../forms/index.ts';
import { ProblemError } from '../http/problem.ts';
import { abilitiesOn } from './abilities.ts';
import type { Caller } from './caller.ts';
import type { IdentityService } from './identity-service.ts';
import type { Protection } from './protection.ts';
import * as routes from './routes.ts';

type Env = { Variables: { caller: Caller } };

/** `may` is what the API will answer this caller, protection level included (abilities.ts). */
export function meRoutes(forms: FormRegistry, protection: Protection) {
  const app = new OpenAPIHono<Env>();
  app.openapi(routes.getMe, (c) => {
    const caller = c.get('caller');
    const described =
      caller.kind === 'anonymous'
        ? { authenticated: false, groups: [], scopes: [] }
        : {
            authenticated: true,
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

/** The admin routes reach here only for members of the admin group: the auth middleware sees to that. */
export function adminRoutes(identityService: IdentityService | undefined) {
  const app = new OpenAPIHono<Env>();
  const service = (): IdentityService => {
    // The middleware already refuses admin requests without an identity service; this keeps the types honest.
    if (identityService === undefined) throw new ProblemError(403, 'The admin API needs an identity service: start Formgate with --auth-url.');
    return identityService;
  };
  app.openapi(routes.getAuthCache, (c) => c.json({ protocol: service().protocol, ...service().cacheStats(), ...service().callStats() }, 200));
  app.openapi(routes.clearAuthCache, (c) => c.json({ cleared: service().clearCache() }, 200));
  return app;
}
