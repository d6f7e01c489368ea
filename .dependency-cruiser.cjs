// The import rules of Formgate's layout (README "Layout"). test/architecture.test.ts runs them in `npm test`
// on src/ and auth-service-example/, and on test/fixtures/architecture/ to show each rule can fail.
// Paths are relative to the directory being cruised, so the fixture tree mirrors src/.

const FEATURES = 'api|auth|forms|documents|db|me|admin|health|openapi|web|config';
const PROCESS = 'host|server|cli|web-host|web-only|web-parts';

/** A module at `src/<folder>` or anywhere under `src/<folder>/`. */
const under = (folders) => `^src/(${folders})(/|\\.tsx?$)`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing escapes every other rule: a mistyped path is a failure, not a pass.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-cycles',
      comment: 'Modules import each other in one direction only; a type import closes a circle as much as a value import does.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'http-imports-no-feature',
      comment: 'src/http/ is plumbing (problem, JSON body, preconditions, request log, spans): its types are its own.',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: [under(FEATURES), `^src/(${PROCESS})\\.ts$`] },
    },
    {
      name: 'features-not-host',
      comment: 'Only the commands and the process assemble the host; a feature is mounted, it never reaches up.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli|server|host|web-host|web-only|web-parts|start-dev)\\.ts$' },
      to: { path: `^src/(${PROCESS})\\.ts$` },
    },
    {
      name: 'web-through-http-only',
      comment: 'The web client reaches the API through an injected fetch, never through its modules.',
      severity: 'error',
      from: { path: '^src/web/' },
      to: { path: [under('api|auth|forms|documents|db|me|admin|health|openapi|config'), `^src/(${PROCESS})\\.ts$`] },
    },
    {
      name: 'handlers-not-handlers',
      comment: "A route handler does not call another folder's handlers: what both need lives in a service they share.",
      severity: 'error',
      from: { path: '^src/([^/]+)/(.*/|)handlers(\\.ts$|/)' },
      to: { path: '^src/[^/]+/(.*/|)handlers(\\.ts$|/)', pathNot: '^src/$1/' },
    },
    {
      name: 'no-config-in-features',
      comment: 'A feature owns its vocabulary (domains, levels, protocols, its settings types); config imports it, never the other way round.',
      severity: 'error',
      from: { path: '^src/(auth|forms|documents|db|http|me|admin|health|openapi|web)(/|\\.ts$)' },
      to: { path: '^src/config(/|\\.ts$)' },
    },
    {
      name: 'example-stands-alone',
      comment: 'The example identity service is built and shipped alone: it imports its own modules and its packages only.',
      severity: 'error',
      from: { path: '^auth-service-example/' },
      to: { pathNot: '^(auth-service-example/|node_modules/)', dependencyTypesNot: ['core'] },
    },
  ],
  options: {
    // Type-only imports are edges too (`import type` would otherwise vanish before the cycle check).
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/|\\.test\\.ts$' },
    // Packages' subpath exports (`hono/route`, `yargs/helpers`) resolve as Node resolves them.
    enhancedResolveOptions: {
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
