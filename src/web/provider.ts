import * as oidc from 'openid-client';
import { causes, errorCode } from '../http/fetch-errors.ts';
import type { SignInOptions } from './options.ts';
import type { SessionData } from './session.ts';

/**
 * The OpenID provider, as openid-client sees it: discovered on first use, and again after a failure once
 * `retryAfterS` has passed, so a provider that was down when Formgate started is picked up by itself.
 */
export type Discovered = { readonly ok: true; readonly config: oidc.Configuration } | { readonly ok: false; readonly retryAfterS: number };

/** How a grant ended: tokens; `rejected` (the provider said no: the session is over); `unavailable` (try later). */
export type GrantOutcome =
  | { readonly kind: 'tokens'; readonly session: SessionData }
  | { readonly kind: 'rejected'; readonly clientRefused?: true }
  | { readonly kind: 'unavailable'; readonly retryAfterS: number };

export interface Provider {
  discover(): Promise<Discovered>;
  /** The provider refused the client's own credentials: said to the operator, at most once a minute. */
  clientRefused(): void;
}

const CLIENT_REFUSED_EVERY_MS = 60_000;

const DISCOVERY_TIMEOUT_S = 5;
const DEFAULT_RETRY_AFTER_S = 5;
/** Assumed when the token response names no `expires_in`: short, so the API still judges the token. */
const DEFAULT_TOKEN_LIFETIME_S = 300;

export function provider(options: SignInOptions): Provider {
  const retryAfterS = options.retryAfterS ?? DEFAULT_RETRY_AFTER_S;
  let found: oidc.Configuration | undefined;
  let pending: Promise<Discovered> | undefined;
  let failedAt = -Infinity;
  const issuer = new URL(options.issuer);
  // The secret is read at each token request, so one rotated in its file needs no restart.
  let unreadableSaidAt = -Infinity;
  const clientAuth = (async (as, client, body, headers) => {
    const secret = await options.clientSecret().catch((e: unknown) => {
      if (Date.now() - unreadableSaidAt >= CLIENT_REFUSED_EVERY_MS) {
        unreadableSaidAt = Date.now();
        options.onSecretUnreadable?.(e instanceof Error ? ((e as NodeJS.ErrnoException).code ?? e.message) : String(e));
      }
      throw new SecretUnreadable();
    });
    oidc.ClientSecretBasic(secret)(as, client, body, headers);
  }) as oidc.ClientAuth;
  // Plain http is allowed by the configuration only for a loopback issuer (a development provider).
  const execute = issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [];

  let refusedSaidAt = -Infinity;
  return {
    clientRefused() {
      if (Date.now() - refusedSaidAt < CLIENT_REFUSED_EVERY_MS) return;
      refusedSaidAt = Date.now();
      options.onClientRefused?.();
    },
    async discover() {
      if (found !== undefined) return { ok: true, config: found };
      const waited = (Date.now() - failedAt) / 1000;
      if (waited < retryAfterS) return { ok: false, retryAfterS: Math.max(1, Math.ceil(retryAfterS - waited)) };
      pending ??= oidc
        .discovery(issuer, options.clientId, undefined, clientAuth, { execute, timeout: DISCOVERY_TIMEOUT_S })
        .then(
          (config): Discovered => {
            found = config;
            return { ok: true, config };
          },
          (): Discovered => {
            failedAt = Date.now();
            return { ok: false, retryAfterS };
          },
        )
        .finally(() => (pending = undefined));
      return pending;
    },
  };
}

/** The session a token response makes; a refresh response may leave out what stays the same. */
export function sessionFrom(tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, before?: SessionData): SessionData {
  const claims = tokens.claims();
  const name = pickName(claims) ?? before?.name;
  const refreshToken = tokens.refresh_token ?? before?.refreshToken;
  return {
    accessToken: tokens.access_token,
    expiresAt: Math.floor(Date.now() / 1000) + (tokens.expiresIn() ?? DEFAULT_TOKEN_LIFETIME_S),
    ...(refreshToken !== undefined ? { refreshToken } : {}),
    ...(name !== undefined ? { name } : {}),
  };
}

function pickName(claims: oidc.IDToken | undefined): string | undefined {
  for (const key of ['name', 'preferred_username', 'sub'] as const) {
    const v = claims?.[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

/**
 * A failed grant: the provider could not be reached, timed out or failed (5xx) → try later; anything else
 * (its refusal, or an answer that does not check out: state, nonce, signature) ends the attempt.
 */
/** The client secret could not be read (its file missing for a moment during a rotation): try again later. */
class SecretUnreadable extends Error {
  override readonly name = 'SecretUnreadable';
}

// openid-client wraps what went wrong on the way (a timeout, a refused connection, our own secret's read).
const TRANSIENT = new Set(['TimeoutError', 'AbortError', 'TypeError', 'SecretUnreadable']);
const TRANSIENT_CODES = new Set(['OAUTH_TIMEOUT', 'OAUTH_ABORT']);

function transient(e: unknown): boolean {
  return causes(e).some((cause) => TRANSIENT.has(cause.name) || TRANSIENT_CODES.has(errorCode(cause) ?? ''));
}

export function grantFailure(e: unknown, retryAfterS = DEFAULT_RETRY_AFTER_S): GrantOutcome {
  if (e instanceof oidc.ResponseBodyError) {
    if (e.status >= 500) return { kind: 'unavailable', retryAfterS };
    // RFC 6749 §5.2: the client's own authentication failed (a wrong or expired secret), not the person's.
    return e.error === 'invalid_client' ? { kind: 'rejected', clientRefused: true } : { kind: 'rejected' };
  }
  // A 401 with a challenge from the token endpoint is the same refusal, said the HTTP way (`WWW-Authenticate: Basic`).
  if (e instanceof oidc.WWWAuthenticateChallengeError) {
    if (e.status >= 500) return { kind: 'unavailable', retryAfterS };
    return e.status === 401 ? { kind: 'rejected', clientRefused: true } : { kind: 'rejected' };
  }
  if (failedStatus(e) >= 500) return { kind: 'unavailable', retryAfterS };
  if (transient(e)) return { kind: 'unavailable', retryAfterS };
  return { kind: 'rejected' };
}

/** The HTTP status behind an error of openid-client (it wraps: ClientError → OperationProcessingError → Response). */
function failedStatus(e: unknown): number {
  let current: unknown = e;
  for (let depth = 0; depth < 4 && current instanceof Object; depth++) {
    if (current instanceof Response) return current.status;
    current = (current as { cause?: unknown }).cause;
  }
  return 0;
}

export async function refreshGrant(p: Provider, session: SessionData): Promise<GrantOutcome> {
  if (session.refreshToken === undefined) return { kind: 'rejected' };
  const d = await p.discover();
  if (!d.ok) return { kind: 'unavailable', retryAfterS: d.retryAfterS };
  try {
    return { kind: 'tokens', session: sessionFrom(await oidc.refreshTokenGrant(d.config, session.refreshToken), session) };
  } catch (e) {
    const failure = grantFailure(e);
    if (failure.kind === 'rejected' && failure.clientRefused) p.clientRefused();
    return failure;
  }
}
