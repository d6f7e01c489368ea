import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { OpenAPIHono } from '@hono/zod-openapi';

/**
 * `/docs`: the API reference, rendered by Scalar's viewer served from Formgate itself, so it works on a
 * network without internet access. The viewer is the standalone browser bundle of the npm package
 * `@scalar/api-reference` (a dev dependency: the package brings about 240 MB of dependencies that the
 * bundle already contains, so `npm run build` copies the one file beside this module and the image
 * carries that copy alone).
 */

const VIEWER_PACKAGE_FILE = '@scalar/api-reference/browser/standalone.js';

interface Viewer {
  readonly body: Uint8Array<ArrayBuffer>;
  /** Content-addressed, so the page can tell the browser to keep the script for good. */
  readonly path: string;
  readonly etag: string;
}

function viewerFile(): string | undefined {
  // Where `npm run build` puts it (package.json `buildCopies`), beside the compiled module.
  const built = new URL('./scalar-standalone.js', import.meta.url);
  if (existsSync(built)) return fileURLToPath(built);
  try {
    return fileURLToPath(import.meta.resolve(VIEWER_PACKAGE_FILE));
  } catch {
    return undefined;
  }
}

async function loadViewer(): Promise<Viewer | undefined> {
  const file = viewerFile();
  if (file === undefined) return undefined;
  const body = new Uint8Array(await readFile(file)) as Uint8Array<ArrayBuffer>;
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 16);
  return { body, path: `/docs/viewer-${hash}.js`, etag: `"${hash}"` };
}

/**
 * Only this origin: the viewer's script, the document it reads and the requests a reader sends from it.
 * Scalar injects its styles with `<style>` elements and sets style attributes, hence 'unsafe-inline' for
 * styles (never for scripts); its fonts are turned off (`withDefaultFonts: false`) rather than allowed.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

// Off: the fonts, the "Ask AI" agent and MCP, which fetch from Scalar's servers, and the developer tools.
// `proxyUrl: ''` sends a request tried from the page from the browser itself, not through Scalar's proxy;
// `servers` points it at the Formgate that served the page, the one origin the page's policy lets it call
// (the document names the default local address, which may not be this one).
const CONFIGURATION = JSON.stringify({
  withDefaultFonts: false,
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: 'never',
  telemetry: false,
  proxyUrl: '',
  servers: [{ url: '/', description: 'This Formgate' }],
});

function page(viewerPath: string | undefined): string {
  const viewer =
    viewerPath === undefined
      ? '<p>The reference viewer is not installed here (run <code>npm install</code>, or <code>npm run build</code> for a build); the raw document is at <a href="/openapi.json">/openapi.json</a>.</p>'
      : `<script id="api-reference" data-url="/openapi.json" data-configuration='${CONFIGURATION}'></script>\n  <script src="${viewerPath}"></script>`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Formgate API reference</title>
  <link rel="icon" href="data:,">
</head>
<body>
  <noscript>The reference needs JavaScript; the raw document is at <a href="/openapi.json">/openapi.json</a>.</noscript>
  ${viewer}
</body>
</html>
`;
}

const PAGE_HEADERS = {
  'Content-Security-Policy': DOCS_CSP,
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
};

/** `GET /docs` and the viewer's script; open routes, like the document they show. */
export function referenceRoutes() {
  const app = new OpenAPIHono();
  // Read on first use, not at startup: most processes never serve /docs, and the bundle is 3.5 MB.
  let viewer: Promise<Viewer | undefined> | undefined;
  const theViewer = () =>
    (viewer ??= loadViewer().catch((e: unknown) => {
      // A read that failed (permissions, a disk error) is tried again on the next request, not remembered.
      viewer = undefined;
      throw e;
    }));

  app.get('/docs', async (c) => c.html(page((await theViewer())?.path), 200, PAGE_HEADERS));
  app.get('/docs/:file{viewer-[A-Za-z0-9_-]+\\.js}', async (c, next) => {
    const found = await theViewer();
    if (found === undefined || c.req.path !== found.path) return next();
    const headers = { ETag: found.etag, 'Cache-Control': 'public, max-age=31536000, immutable', 'X-Content-Type-Options': 'nosniff' };
    if (c.req.header('if-none-match') === found.etag) return c.body(null, 304, headers);
    return c.body(found.body, 200, { ...headers, 'Content-Type': 'text/javascript; charset=utf-8' });
  });
  return app;
}
