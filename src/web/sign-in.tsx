import type { Context } from 'hono';
import { Hono } from 'hono';
import * as oidc from 'openid-client';
import { z } from 'zod';
import type { CookieJar } from './cookies.ts';
import { render } from './layout.tsx';
import { paths, safeReturnTo } from './paths.ts';
import { grantFailure, sessionFrom, type Provider } from './provider.ts';
import { seal, unseal, type SealKeys } from './seal.ts';
import { pageContext, type CoreEnv } from './session-middleware.ts';

/**
 * Sign-in with OpenID Connect: the authorization code flow with PKCE (S256), `state` and `nonce`, kept
 * for the round trip in a short-lived sealed cookie; sign-out clears the session and ends the provider's
 * when it names an end-session endpoint.
 */

const ATTEMPT_COOKIE = 'fg-sign-in';
/** Long enough to type a password (and reset it), short enough that a stale attempt is refused. */
const ATTEMPT_MAX_AGE_S = 600;
const Attempt = z.object({ verifier: z.string(), state: z.string(), nonce: z.string(), returnTo: z.string() });

export interface SignInRoutesOptions {
  readonly provider: Provider;
  readonly publicUrl: string;
  readonly jar: CookieJar;
  readonly keys: SealKeys;
}

export function signInRoutes(options: SignInRoutesOptions) {
  const { provider, publicUrl, jar, keys } = options;
  const redirectUri = `${publicUrl}${paths.callback}`;
  const routes = new Hono<CoreEnv>();

  routes.get(paths.signIn(), async (c) => {
    const returnTo = safeReturnTo(c.req.query('return_to'));
    const found = await provider.discover();
    if (!found.ok) return unavailable(c, found.retryAfterS);
    const attempt = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce(), returnTo };
    const url = oidc.buildAuthorizationUrl(found.config, {
      redirect_uri: redirectUri,
      scope: 'openid profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(attempt.verifier),
      code_challenge_method: 'S256',
      state: attempt.state,
      nonce: attempt.nonce,
    });
    jar.set(c, ATTEMPT_COOKIE, await seal(attempt, keys, ATTEMPT_MAX_AGE_S), ATTEMPT_MAX_AGE_S);
    return c.redirect(url.href, 302);
  });

  routes.get(paths.callback, async (c) => {
    const sealed = jar.get(c, ATTEMPT_COOKIE);
    const attempt = Attempt.safeParse(sealed === undefined ? undefined : await unseal(sealed, keys));
    if (!attempt.success) return notCompleted(c, '/', 'This sign-in was started too long ago, or in another browser.');
    const { returnTo } = attempt.data;
    jar.clear(c, ATTEMPT_COOKIE);
    if (c.req.query('error') !== undefined) return notCompleted(c, returnTo, 'The sign-in service did not sign you in.');
    const found = await provider.discover();
    if (!found.ok) return unavailable(c, found.retryAfterS);
    const current = new URL(redirectUri);
    current.search = new URL(c.req.url).search;
    try {
      const tokens = await oidc.authorizationCodeGrant(found.config, current, {
        pkceCodeVerifier: attempt.data.verifier,
        expectedState: attempt.data.state,
        expectedNonce: attempt.data.nonce,
        idTokenExpected: true,
      });
      c.get('session').replace(sessionFrom(tokens));
      return c.redirect(returnTo, 303);
    } catch (e) {
      const failure = grantFailure(e);
      if (failure.kind === 'unavailable') return unavailable(c, failure.retryAfterS);
      if (failure.kind === 'rejected' && failure.clientRefused) {
        provider.clientRefused();
        return clientRefused(c);
      }
      return notCompleted(c, returnTo, 'The answer from the sign-in service did not match this sign-in.');
    }
  });

  // The CSRF check has run: only a form of this site signs a person out.
  routes.post(paths.signOut, async (c) => {
    const holder = c.get('session');
    holder.replace(undefined);
    const found = await provider.discover();
    if (found.ok && found.config.serverMetadata().end_session_endpoint !== undefined) {
      // client_id, not id_token_hint: the ID token would be a token in a URL (and in the browser's history).
      const end = oidc.buildEndSessionUrl(found.config, { post_logout_redirect_uri: `${publicUrl}/` });
      return c.redirect(end.href, 303);
    }
    return c.redirect(paths.home(), 303);
  });
  return routes;
}

function unavailable(c: Context<CoreEnv>, seconds: number) {
  return render(pageContext(c), {
    title: 'Sign-in unavailable',
    status: 503,
    headers: { 'retry-after': String(seconds) },
    main: (
      <>
        <h1>Sign-in is unavailable</h1>
        <p>The sign-in service cannot be reached right now. Try again in {seconds} s.</p>
        <p>
          <a href={paths.home()}>Back to the list of forms</a>
        </p>
      </>
    ),
  });
}

/** The provider refused this web client itself: nothing the person can fix, so the page says whose it is. */
function clientRefused(c: Context<CoreEnv>) {
  return render(pageContext(c), {
    title: 'Sign-in is not working',
    status: 502,
    main: (
      <>
        <h1>Sign-in is not working</h1>
        <p>The sign-in service refused this site's own credentials, so nobody can sign in here right now. This is not something you did.</p>
        <p>Tell the people who run this site; they will find the cause in its log. You can still use the forms that need no sign-in.</p>
        <p>
          <a href={paths.home()}>Back to the list of forms</a>
        </p>
      </>
    ),
  });
}

function notCompleted(c: Context<CoreEnv>, returnTo: string, why: string) {
  return render(pageContext(c), {
    title: 'Sign-in not completed',
    status: 400,
    main: (
      <>
        <h1>Sign-in did not complete</h1>
        <p>{why}</p>
        <p>
          <a class="button" href={paths.signIn(returnTo)}>
            Sign in again
          </a>
        </p>
      </>
    ),
  });
}
