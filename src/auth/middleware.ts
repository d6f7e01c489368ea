import type { MiddlewareHandler } from 'hono';
import { ProblemError } from '../http/problem.ts';
import type { RequestVariables } from '../http/request-log.ts';
import { ANONYMOUS, userCaller, type Caller } from './caller.ts';
import { describeViolation, type ServiceFailure } from './identity.ts';
import type { IdentityClient } from './identity-client.ts';
import { needsToken, type ProtectConfig, type RouteProtection } from './protection.ts';

export interface AuthOptions {
  protection: ProtectConfig;
  adminGroup: string;
  /** Absent when no `--auth-url` is given (every domain is `none`): tokens are then ignored. */
  identityClient?: IdentityClient;
}

export type AuthEnv = { Variables: RequestVariables & { caller: Caller } };

const CHALLENGE = 'Bearer realm="formgate"';

/** Seconds a caller is asked to wait when the identity service failed and named no time itself. */
export const DEFAULT_RETRY_AFTER_S = 5;

/**
 * The guard of one route group: decides who the caller is and whether they may go on, from what the group
 * declared where it was mounted and the `--protect` table. A token is validated wherever it is sent, so the
 * caller is known even on open routes; a request that needs a token and has none gets 401. A failing
 * identity service is never a 401: the token may be fine.
 */
export function authenticator(options: AuthOptions): (declared: RouteProtection) => MiddlewareHandler<AuthEnv> {
  return (declared) => async (c, next) => {
    const client = options.identityClient;
    if (client === undefined) {
      if (declared === 'admin') {
        throw new ProblemError(403, 'The admin API needs an identity service to tell who is an administrator: start Formgate with --auth-url.');
      }
      c.set('caller', ANONYMOUS);
      return next();
    }

    // Health, the OpenAPI document and the docs ignore other schemes (an ingress may add Basic credentials),
    // so a probe never fails on a header it did not choose; a bearer token there is still checked.
    const header = c.req.header('authorization');
    const token = declared === 'open' && header !== undefined && !/^Bearer(\s|$)/i.test(header) ? undefined : bearerToken(header);
    if (token === undefined) {
      if (needsToken(options.protection, declared, c.req.method)) {
        throw new ProblemError(401, 'This request needs a bearer token: send "Authorization: Bearer <token>".', {}, { 'WWW-Authenticate': CHALLENGE });
      }
      c.set('caller', ANONYMOUS);
      return next();
    }

    const { verdict, source } = await client.validate(token, { requestId: c.get('requestId') });
    c.set('auth', source);
    if (verdict.kind === 'rejected') {
      throw new ProblemError(401, 'The bearer token is not valid (expired, revoked or unknown to the identity service); get a new one.', {}, {
        'WWW-Authenticate': `${CHALLENGE}, error="invalid_token"`,
      });
    }
    if (verdict.kind === 'failed') throw problemFor(verdict.failure);

    const caller = userCaller(verdict.identity);
    c.set('caller', caller);
    c.set('userId', verdict.identity.userId);
    if (declared === 'admin' && !verdict.identity.groups.includes(options.adminGroup)) {
      throw new ProblemError(403, `The admin API is for members of the group "${options.adminGroup}".`);
    }
    return next();
  };
}

function problemFor(failure: ServiceFailure): ProblemError {
  if (failure.kind === 'violation') return new ProblemError(502, describeViolation(failure));
  const retryAfter = failure.retryAfterS ?? DEFAULT_RETRY_AFTER_S;
  return new ProblemError(503, `Formgate could not check the token because ${failure.reason}; retry in ${retryAfter} s.`, {}, { 'Retry-After': String(retryAfter) });
}

/** The token of an `Authorization: Bearer …` header; undefined when there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!match) throw new ProblemError(401, 'The Authorization header must be "Bearer <token>".', {}, { 'WWW-Authenticate': `${CHALLENGE}, error="invalid_request"` });
  return match[1];
}
