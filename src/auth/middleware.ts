import type { MiddlewareHandler } from 'hono';
import { ProblemError } from '../http/problem.ts';
import { ANONYMOUS, type Caller } from './caller.ts';
import { needsToken, type Protection } from './protection.ts';

export interface AuthOptions {
  protection: Protection;
  /** Whether an identity service is configured (`--auth-url`). */
  identityService: boolean;
}

const CHALLENGE = 'Bearer realm="formgate"';

/**
 * Decides who the caller is and whether they may go on. A request that needs a token and has none gets 401.
 *
 * This build has no identity-service client yet, so it fails closed: a token that would have to be checked
 * gets 503, never a pass. Without an identity service (every domain `none`), tokens are ignored and every
 * caller is anonymous.
 */
export function authenticate(options: AuthOptions): MiddlewareHandler<{ Variables: { caller: Caller } }> {
  return async (c, next) => {
    if (!options.identityService) {
      c.set('caller', ANONYMOUS);
      return next();
    }
    const token = bearerToken(c.req.header('authorization'));
    if (token !== undefined) {
      throw new ProblemError(503, 'Formgate cannot check tokens with this identity-service configuration yet; retry later or use --protect none.', {}, { 'Retry-After': '30' });
    }
    if (needsToken(options.protection, c.req.method, c.req.path)) {
      throw new ProblemError(401, 'This request needs a bearer token: send "Authorization: Bearer <token>".', {}, { 'WWW-Authenticate': CHALLENGE });
    }
    c.set('caller', ANONYMOUS);
    return next();
  };
}

/** The token of an `Authorization: Bearer …` header; undefined when there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!match) throw new ProblemError(401, 'The Authorization header must be "Bearer <token>".', {}, { 'WWW-Authenticate': `${CHALLENGE}, error="invalid_request"` });
  return match[1];
}
