import type { MiddlewareHandler } from 'hono';

/**
 * The headers of every web response. The policy allows no script at all (the pages have none) and forms
 * that post to this site or the OpenID provider: form-action also governs the redirect that follows a
 * form's POST, and sign-out's POST is redirected to the provider's end-session endpoint.
 */
export function securityHeaders(issuerOrigin: string | null): MiddlewareHandler {
  const policy = [
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self'",
    `form-action 'self'${issuerOrigin === null ? '' : ` ${issuerOrigin}`}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set('content-security-policy', policy);
    // same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` on a POST, and the
    // Origin check would refuse every form. Other sites still get no referrer at all.
    h.set('referrer-policy', 'same-origin');
    h.set('x-content-type-options', 'nosniff');
    // Pages show a person's documents: no shared or back-button copy. The stylesheet says its own.
    if (!h.has('cache-control')) h.set('cache-control', 'no-store');
  };
}
