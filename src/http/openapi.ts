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

/** The OpenAPI 3.1 document, generated from the route contracts the app was built from. */
export function openApiDocument(app: OpenAPIHono<any>) {
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: API_INFO,
    servers: [{ url: 'http://127.0.0.1:8080', description: 'A local Formgate with the default --host and --port' }],
    tags: [
      { name: 'forms', description: 'Form definitions and their JSON Schemas.' },
      { name: 'documents', description: 'Documents submitted to a form: create, read, list, change, delete, restore, history.' },
      { name: 'health', description: 'Readiness and liveness for load balancers and orchestrators.' },
    ],
  });
}

/** The checked-in form of the document (openapi/formgate.yaml). */
export function openApiYaml(app: OpenAPIHono<any>): string {
  return stringify(openApiDocument(app), { lineWidth: 0 });
}

/** A readable reference at /docs: Scalar's viewer, loaded from its CDN, pointed at /openapi.json. */
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Formgate API reference</title>
</head>
<body>
  <noscript>The reference needs JavaScript; the raw document is at <a href="/openapi.json">/openapi.json</a>.</noscript>
  <script id="api-reference" data-url="/openapi.json"></script>
  <script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference@1"></script>
</body>
</html>
`;
