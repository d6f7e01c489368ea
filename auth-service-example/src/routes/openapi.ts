import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../http/context.ts';

/** The service's OpenAPI 3.1 document, generated from the contracts its routes were added with. */
export function openApiDocument(app: OpenAPIHono<AppEnv>, issuer: string) {
  app.openAPIRegistry.registerComponent('securitySchemes', 'clientBasic', {
    type: 'http',
    scheme: 'basic',
    description: 'A service account: its name as the user name, one of its API keys as the password.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from POST /token.' });
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Formgate example identity service',
      version: '0.1.0',
      description:
        'An example identity service for Formgate, for development and demonstrations: it issues short-lived JWT access tokens ' +
        'and answers all three of Formgate\'s validation protocols; in development it is also the OpenID provider of Formgate\'s web client. ' +
        'Not a production identity provider.',
      license: { name: 'MIT' },
    },
    servers: [{ url: issuer }],
    tags: [
      { name: 'tokens', description: 'Getting an access token.' },
      { name: 'sign-in', description: 'OpenID Connect sign-in for registered clients: the login page and sign-out.' },
      { name: 'validation', description: 'Turning an access token into who holds it, in each of Formgate\'s protocols.' },
      { name: 'keys', description: 'The public signing key and discovery metadata.' },
      { name: 'health', description: 'Whether the service can answer.' },
    ],
  });
}
