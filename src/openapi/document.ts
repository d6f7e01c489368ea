import type { OpenAPIHono } from '@hono/zod-openapi';
import { stringify } from 'yaml';

export const API_INFO = {
  title: 'Formgate',
  version: '1.0.0',
  description:
    'A forms API with pluggable authentication: define forms in configuration, submit documents to them and manage ' +
    'those documents. Errors are RFC 9457 problem details (`application/problem+json`).',
  license: { name: 'MIT', identifier: 'MIT' },
};

/**
 * How callers authenticate. Which requests need the token is the operator's choice at startup (--protect),
 * so the document lists the token as optional (`{}`) everywhere; the health routes never need one.
 */
const BEARER_AUTH = {
  type: 'http' as const,
  scheme: 'bearer',
  description:
    'A token that Formgate hands to the identity service configured at startup (--auth-url). Which requests need ' +
    'one is also set at startup, per domain (--protect): `all` (the default) needs one for every request, `writes` ' +
    'for POST, PUT, PATCH and DELETE only, `none` for no request. A token sent where none is needed is still ' +
    'checked, and a bad one gets 401. The admin API always needs a token from a member of --admin-group.',
};

/** The OpenAPI 3.1 document, generated from the route contracts the app was built from. */
export function openApiDocument(app: OpenAPIHono<any>) {
  const generated = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: API_INFO,
    servers: [{ url: 'http://127.0.0.1:8080', description: 'A local Formgate with the default --host and --port' }],
    security: [{ bearerAuth: [] }, {}],
    tags: [
      { name: 'forms', description: 'Form definitions and their JSON Schemas.' },
      { name: 'documents', description: 'Documents submitted to a form: create, read, list, change, delete, restore, history.' },
      { name: 'auth', description: 'The caller as the identity service described them.' },
      { name: 'admin', description: 'Operating Formgate: the identity cache. Needs a token from a member of --admin-group.' },
      { name: 'health', description: 'Readiness and liveness for load balancers and orchestrators.' },
    ],
  });
  // Paths before components, for a reader; the generator's empty sections (`parameters: {}`, `webhooks: {}`) left out.
  const { components, paths, webhooks, ...head } = generated;
  const nonEmpty = <T extends object>(sections: T) =>
    Object.fromEntries(Object.entries(sections).filter(([, v]) => v !== undefined && Object.keys(v as object).length > 0)) as Partial<T>;
  return {
    ...head,
    paths,
    ...nonEmpty({ webhooks }),
    components: { ...nonEmpty(components ?? {}), securitySchemes: { bearerAuth: BEARER_AUTH } },
  };
}

/** The checked-in form of the document (openapi/formgate.yaml): plain YAML, no anchors or aliases. */
export function openApiYaml(app: OpenAPIHono<any>): string {
  return stringify(openApiDocument(app), { lineWidth: 0, aliasDuplicateObjects: false });
}
