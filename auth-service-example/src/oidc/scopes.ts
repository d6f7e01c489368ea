/**
 * The scopes of a sign-in. OpenID Connect's own (`openid`, `profile`, `email`, `groups`,
 * `offline_access`) say which claims the ID token carries; any other is an API scope, granted only if
 * the directory lists it for the user, and carried in the access token as the password grant does.
 */

export const OIDC_SCOPES = ['openid', 'profile', 'email', 'groups', 'offline_access'] as const;
const OIDC: ReadonlySet<string> = new Set(OIDC_SCOPES);

// RFC 6749 §3.3: scope tokens are printable ASCII without spaces, quotes or backslashes.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** The distinct scopes of a `scope` parameter, or undefined when one of them is not a scope token. */
export function parseScope(value: string): string[] | undefined {
  const scopes = [...new Set(value.split(' ').filter((s) => s !== ''))];
  return scopes.every((s) => SCOPE_TOKEN.test(s)) ? scopes : undefined;
}

export interface GrantedScopes {
  /** The OpenID Connect scopes asked for. */
  readonly oidc: readonly string[];
  /** The API scopes for the access token: those asked for that the user may have, or all of them when none were asked for. */
  readonly api: readonly string[];
}

export function grantScopes(requested: readonly string[], allowed: readonly string[]): GrantedScopes {
  const oidc = requested.filter((s) => OIDC.has(s));
  const asked = requested.filter((s) => !OIDC.has(s));
  return { oidc, api: asked.length === 0 ? [...allowed] : asked.filter((s) => allowed.includes(s)) };
}

/** What the token response's `scope` says was granted. */
export const scopeString = (granted: GrantedScopes) => [...granted.oidc, ...granted.api].join(' ');
