import type { Context } from 'hono';
import { clientCredentials, invalidClient } from '../http/client-auth.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { oauthError } from '../http/errors.ts';
import { authenticateClient, type RegisteredClient } from '../oidc/clients.ts';
import { signIdToken } from '../oidc/id-token.ts';
import { verifierMatches } from '../oidc/pkce.ts';
import { parseScope, scopeString } from '../oidc/scopes.ts';
import type { SignIn } from '../oidc/sign-in.ts';
import type { OidcState } from '../oidc/state.ts';
import { userPrincipal } from '../principals.ts';
import { err, ok, type Result } from '../result.ts';
import { issueAccessToken } from '../tokens.ts';

/**
 * The token endpoint's OpenID Connect grants: `authorization_code` (RFC 6749 §4.1.3 with PKCE) and
 * `refresh_token` (§6, rotated). The client authenticates with one of its secrets, by HTTP Basic or in
 * the body. Both answer an access token (the same JWT as the other grants), a new refresh token and an
 * ID token.
 */

type Form = Record<string, string>;

export async function authorizationCodeGrant(c: Context<AppEnv>, deps: AppDeps, oidc: OidcState, form: Form): Promise<Response> {
  const client = await oidcClient(c, deps, form);
  if (!client.ok) return client.error;
  const { code, redirect_uri: redirectUri, code_verifier: verifier } = form;
  if (code === undefined || redirectUri === undefined || verifier === undefined) {
    return oauthError(c, 400, 'invalid_request', 'the authorization_code grant needs code, redirect_uri and code_verifier');
  }
  const nowMs = deps.now();
  const redeemed = oidc.codes.redeem(code, nowMs);
  if (!redeemed.ok) {
    // §4.1.2: a code used twice means someone else has it; the tokens issued for it are revoked.
    if (redeemed.error.reason === 'reused') oidc.refresh.revokeFamily(redeemed.error.familyId);
    c.set('refusal', redeemed.error.reason === 'reused' ? 'authorization code reused' : 'unknown authorization code');
    return invalidGrant(c, 'The authorization code is not valid: expired, already used, or never issued.');
  }
  const grant = redeemed.value;
  if (grant.signIn.clientId !== client.value.id) return invalidGrant(c, 'The authorization code was issued to another client.');
  if (grant.redirectUri !== redirectUri) return invalidGrant(c, 'redirect_uri is not the one the authorization request used.');
  if (!verifierMatches(verifier, grant.codeChallenge)) return invalidGrant(c, 'code_verifier does not match the code_challenge (PKCE S256).');
  const refreshToken = oidc.refresh.start(grant.familyId, grant.signIn, nowMs);
  return answer(c, deps, grant.signIn, refreshToken, grant.nonce);
}

export async function refreshTokenGrant(c: Context<AppEnv>, deps: AppDeps, oidc: OidcState, form: Form): Promise<Response> {
  const client = await oidcClient(c, deps, form);
  if (!client.ok) return client.error;
  if (form.refresh_token === undefined) return oauthError(c, 400, 'invalid_request', 'the refresh_token grant needs refresh_token');
  const rotated = oidc.refresh.rotate(form.refresh_token, client.value.id, deps.now());
  if (!rotated.ok) {
    c.set('refusal', rotated.error === 'reused' ? 'refresh token reused: its sign-in is revoked' : `refresh token refused (${rotated.error})`);
    return invalidGrant(c, 'The refresh token is not valid: expired, revoked, already used, or issued to another client.');
  }
  const { signIn, token } = rotated.value;
  // §6: a narrower scope may be asked for, never a wider one. The family keeps the scopes it started with.
  if (form.scope !== undefined) {
    const asked = parseScope(form.scope);
    const had = [...signIn.scopes.oidc, ...signIn.scopes.api];
    if (asked === undefined || asked.some((s) => !had.includes(s))) return oauthError(c, 400, 'invalid_scope', 'a refresh may not ask for scopes the sign-in was not granted');
  }
  return answer(c, deps, signIn, token, undefined);
}

async function oidcClient(c: Context<AppEnv>, deps: AppDeps, form: Form): Promise<Result<RegisteredClient, Response>> {
  const credentials = clientCredentials(c, form);
  if (!credentials.ok) return err(invalidClient(c, credentials.error));
  if (credentials.value === undefined) return err(invalidClient(c, 'this grant needs client authentication: HTTP Basic, or client_id and client_secret'));
  const { clientId, secret } = credentials.value;
  const client = await authenticateClient(await deps.directory.current(), clientId, secret, deps.now(), deps.verifiedKeys);
  return client === undefined ? err(invalidClient(c, 'The client or its secret is wrong.')) : ok(client);
}

async function answer(c: Context<AppEnv>, deps: AppDeps, signIn: SignIn, refreshToken: string, nonce: string | undefined): Promise<Response> {
  const directory = await deps.directory.current();
  const principal = userPrincipal(directory, signIn.subject);
  // A user removed or disabled since signing in gets nothing more from the sign-in.
  if (principal === undefined || directory.users[signIn.subject]?.disabled === true) return invalidGrant(c, 'The user of this sign-in can no longer sign in.');
  c.set('principal', principal.subject);
  const nowMs = deps.now();
  const access = await issueAccessToken({ key: deps.key, issuer: deps.issuer, ttlS: deps.tokenTtlS }, principal, signIn.scopes.api, nowMs);
  const idToken = await signIdToken({ key: deps.key, issuer: deps.issuer, ttlS: deps.tokenTtlS, signIn, principal, ...(nonce === undefined ? {} : { nonce }) }, nowMs);
  return c.json(
    { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresInS, refresh_token: refreshToken, id_token: idToken, scope: scopeString(signIn.scopes) },
    200,
    { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
  );
}

function invalidGrant(c: Context<AppEnv>, description: string): Response {
  c.set('refusal', c.var.refusal ?? 'invalid grant');
  return oauthError(c, 400, 'invalid_grant', description);
}
