import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

/**
 * The few pages a person sees here: the login form, the errors that cannot go back to the application,
 * and "signed out". Server-rendered, no script, styled only by /login.css, every value escaped by
 * hono's `html` tag. The error text is tied to the inputs (aria-describedby) so a screen reader says it.
 */

type Page = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Headers of every page: no framing, no caching, no referrer carrying the query onward, nothing but our stylesheet. */
export const PAGE_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
} as const;

function layout(title: string, body: Page): Page {
  // Relative links, so the pages work under an issuer with a path (behind a proxy) as well.
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="login.css">
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface LoginPageInput {
  readonly clientId: string;
  readonly requestId: string;
  readonly userName?: string;
  readonly error?: string;
}

export function loginPage(input: LoginPageInput): Page {
  const described = input.error === undefined ? '' : 'login-error';
  const error = input.error === undefined ? '' : html`<p id="login-error" class="error" role="alert">${input.error}</p>`;
  const invalid = input.error === undefined ? '' : html` aria-invalid="true" aria-describedby="${described}"`;
  return layout(
    `Sign in to ${input.clientId}`,
    html`<h1>Sign in to ${input.clientId}</h1>
<p>The example identity service checks your user name and password, then sends you back to ${input.clientId}.</p>
<form method="post" action="authorize">
<input type="hidden" name="request" value="${input.requestId}">
${error}
<p><label for="username">User name</label>
<input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${input.userName ?? ''}"${invalid}></p>
<p><label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${invalid}></p>
<p><button type="submit">Sign in</button></p>
</form>`,
  );
}

export function messagePage(title: string, message: string, hint?: string): Page {
  return layout(title, html`<h1>${title}</h1>
<p>${message}</p>
${hint === undefined ? '' : html`<p>${hint}</p>`}`);
}

export const STYLESHEET = `body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1b1d21}
main{max-width:24rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px #0003}
h1{font-size:1.4rem;margin-top:0}
label{display:block;font-weight:600;margin-bottom:.25rem}
input{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #6b7280;border-radius:.25rem}
input:focus,button:focus{outline:3px solid #2563eb;outline-offset:1px}
button{padding:.55rem 1.2rem;font:inherit;background:#1d4ed8;color:#fff;border:0;border-radius:.25rem;cursor:pointer}
.error{color:#991b1b;background:#fef2f2;border-left:4px solid #b91c1c;padding:.5rem .75rem}
`;
