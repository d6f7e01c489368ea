import type { DirectorySource } from './directory/live.ts';
import { principalForSubject, type Principal } from './principals.ts';
import { err, ok, type Result } from './result.ts';
import { secondsLeft, verifyAccessToken, type TokenRejection, type TokenSettings, type VerifiedToken } from './tokens.ts';

/**
 * From a bearer token to who holds it, for the three validation endpoints (/validate, /userinfo,
 * /introspect). The answer describes the principal as the directory has it now, so a changed group or
 * a removed account shows at the next validation, not only when the token runs out.
 */

/** Formgate may keep an answer this long at most: a removed account is then locked out within 5 minutes. */
export const MAX_ANSWER_TTL_S = 300;

export interface Identification {
  readonly principal: Principal;
  readonly token: VerifiedToken;
  /** How long the answer may be kept: the token's time left, capped at MAX_ANSWER_TTL_S. */
  readonly ttlS: number;
}

export type IdentifyRefusal = TokenRejection | 'unknown subject';

export interface IdentifyDeps extends TokenSettings {
  readonly directory: DirectorySource;
  readonly now: () => number;
}

export async function identify(deps: IdentifyDeps, token: string): Promise<Result<Identification, IdentifyRefusal>> {
  const nowMs = deps.now();
  const verified = await verifyAccessToken(deps, token, nowMs);
  if (!verified.ok) return verified;
  const directory = await deps.directory.current();
  const principal = principalForSubject(directory, verified.value.sub);
  // A disabled user is as good as gone: their tokens stop validating, like a removed user's.
  if (principal === undefined || (principal.kind === 'user' && directory.users[principal.name]?.disabled === true)) return err('unknown subject');
  return ok({ principal, token: verified.value, ttlS: Math.min(secondsLeft(verified.value, nowMs), MAX_ANSWER_TTL_S) });
}

/** `Cache-Control` for a positive answer: callers may keep it exactly as long as the body's ttl says. */
export function cacheControlFor(identification: Identification): string {
  return `private, max-age=${identification.ttlS}`;
}

/** `2026-11-24T12:05:00Z` */
export function expiresAtOf(token: Pick<VerifiedToken, 'exp'>): string {
  return new Date(token.exp * 1000).toISOString().replace('.000Z', 'Z');
}
