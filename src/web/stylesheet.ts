import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Hono } from 'hono';
import { paths } from './paths.ts';

/** The one stylesheet, read once; browsers keep it and ask again with its ETag (a 304 costs no body). */
export function stylesheetRoute() {
  const routes = new Hono();
  let loaded: Promise<{ css: string; etag: string }> | undefined;
  const load = () =>
    (loaded ??= readFile(new URL('./assets/style.css', import.meta.url), 'utf8').then((css) => ({
      css,
      etag: `"${createHash('sha256').update(css).digest('base64url').slice(0, 22)}"`,
    })));
  routes.get(paths.stylesheet, async (c) => {
    const { css, etag } = await load();
    const headers = { etag, 'cache-control': 'public, max-age=300, must-revalidate' };
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
    return c.body(css, 200, { ...headers, 'content-type': 'text/css; charset=utf-8' });
  });
  return routes;
}
