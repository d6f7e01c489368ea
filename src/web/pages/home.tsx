import { Hono } from 'hono';
import type { WebEnv } from '../env.ts';
import { failurePage } from '../error-pages.tsx';
import { render } from '../layout.tsx';
import { apiPaths } from '../paths.ts';

/** `/`: the forms this person may use, from /api/v1/me. TODO(core): titles, descriptions, what they may do. */
export function homePage() {
  const pages = new Hono<WebEnv>();
  pages.get('/', async (c) => {
    const me = await c.get('api').call('GET', apiPaths.me);
    if (me.status !== 200) return failurePage(c, me);
    return render(c, { title: 'Forms', main: <h1>Forms</h1> });
  });
  return pages;
}
