import type { Directory } from '../directory/schema.ts';
import { err, ok, type Result } from '../result.ts';
import { findClient } from './clients.ts';
import { isCodeChallenge } from './pkce.ts';
import { parseScope } from './scopes.ts';

/**
 * Checking the parameters of GET /authorize (RFC 6749 §4.1.1, OIDC Core §3.1.2.1, RFC 7636). The client
 * and redirect URI come first: until both are known to belong together, nothing may be sent to that
 * URI (§4.1.2.1), so those mistakes are shown to the person. Every later mistake goes back to the client.
 */

export interface AuthorizationRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly state: string;
  readonly nonce: string;
  readonly codeChallenge: string;
}

export type AuthorizationRefusal =
  | { readonly kind: 'page'; readonly message: string }
  | { readonly kind: 'redirect'; readonly redirectUri: string; readonly error: string; readonly description: string; readonly state?: string };

const PARAMETERS = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'prompt'] as const;
const MAX_VALUE = 2048;

export function checkAuthorizationRequest(directory: Directory, query: URLSearchParams): Result<AuthorizationRequest, AuthorizationRefusal> {
  const repeated = PARAMETERS.find((p) => query.getAll(p).length > 1);
  const value = (name: (typeof PARAMETERS)[number]) => {
    const v = query.get(name);
    return v === null || v === '' ? undefined : v;
  };
  const clientId = value('client_id');
  const redirectUri = value('redirect_uri');
  if (clientId === undefined) return err({ kind: 'page', message: 'The application did not say who it is (client_id is missing).' });
  const client = findClient(directory, clientId);
  if (client === undefined) return err({ kind: 'page', message: 'The application asking you to sign in is not registered here (unknown client_id).' });
  if (redirectUri === undefined) return err({ kind: 'page', message: `${clientId} did not say where to send you back (redirect_uri is missing).` });
  if (!client.redirectUris.includes(redirectUri)) return err({ kind: 'page', message: `${clientId} asked to send you back to an address it has not registered (redirect_uri).` });
  if (repeated === 'client_id' || repeated === 'redirect_uri') return err({ kind: 'page', message: `The request names ${repeated} more than once.` });

  const state = value('state');
  const back = (error: string, description: string) => err<AuthorizationRefusal>({ kind: 'redirect', redirectUri, error, description, ...(state === undefined ? {} : { state }) });
  if (repeated !== undefined) return back('invalid_request', `${repeated} is given more than once`);
  const tooLong = PARAMETERS.find((p) => (value(p)?.length ?? 0) > MAX_VALUE);
  if (tooLong !== undefined) return back('invalid_request', `${tooLong} is too long`);
  const responseType = value('response_type');
  if (responseType === undefined) return back('invalid_request', 'response_type is missing');
  if (responseType !== 'code') return back('unsupported_response_type', 'only response_type=code is supported');
  const scopes = parseScope(value('scope') ?? '');
  if (scopes === undefined || !scopes.includes('openid')) return back('invalid_scope', 'scope must include openid');
  if (state === undefined) return back('invalid_request', 'state is required');
  const nonce = value('nonce');
  if (nonce === undefined) return back('invalid_request', 'nonce is required');
  const challenge = value('code_challenge');
  const method = value('code_challenge_method');
  if (challenge === undefined) return back('invalid_request', 'PKCE is required: send code_challenge with code_challenge_method=S256');
  if (method !== 'S256') return back('invalid_request', 'code_challenge_method must be S256 (plain is not accepted)');
  if (!isCodeChallenge(challenge)) return back('invalid_request', 'code_challenge must be 43 base64url characters (an S256 challenge)');
  // There is never a provider-side session to reuse, so a request to skip the login page cannot succeed.
  if (value('prompt')?.split(' ').includes('none')) return back('login_required', 'this provider has no sign-in session; the login page must be shown');
  return ok({ clientId, redirectUri, scopes, state, nonce, codeChallenge: challenge });
}

/** The redirect URI with the response parameters added to whatever query it has (RFC 6749 §3.1.2). */
export function redirectTo(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(name, v);
  return url.toString();
}
