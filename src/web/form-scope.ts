import type { MiddlewareHandler } from 'hono';
import type { WebEnv } from './env.ts';
import { notFoundPage } from './error-pages.tsx';

/**
 * `--ui-forms`: the forms this web client offers. A form outside it has no page here (404, as a form that
 * does not exist), while the API keeps serving it to other clients; a name in it that the API lacks is
 * simply never shown, since every list the pages show comes from the API.
 */
export function formScope(names: readonly string[] | null): (form: string) => boolean {
  if (names === null) return () => true;
  const offered = new Set(names);
  return (form) => offered.has(form);
}

/** Answers every page under `/forms/:form/` of a form outside the scope with the 404 page. */
export function formScopeGuard(offers: (form: string) => boolean): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    c.set('offers', offers);
    const form = /^\/forms\/([^/]+)/.exec(c.req.path)?.[1];
    if (form !== undefined && !offers(safeDecode(form))) return notFoundPage(c);
    await next();
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
