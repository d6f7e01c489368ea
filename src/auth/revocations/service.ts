import { decodeJwt } from 'jose';
import type { Logger } from 'pino';
import { err, ok, type Result } from '../../result.ts';
import { tokenKey } from '../identity-client.ts';
import { userIdProblem } from '../user-id.ts';
import { applyRevocation, type LocalRevocations } from './apply.ts';
import { reason, type RevocationChannel } from './channel.ts';
import { describeRevocation, type Revocation } from './messages.ts';
import type { RevocationStore, StoredRevocation } from './store.ts';

/**
 * The rules of revocation, which the admin handlers call: drop here, keep (jwt) in the database, tell every
 * replica. Each call is safe to repeat, so a failure says "retry".
 */

export interface RevocationStats {
  /** Caches emptied by a call to this replica. */
  emptied: number;
  /** Users revoked by a call to this replica. */
  users: number;
  /** Tokens revoked by a call to this replica. */
  tokens: number;
  /** Revocations heard from other replicas and applied here. */
  received: number;
  /** jwt revocations held now (always 0 for the HTTP protocols). */
  held: number;
}

export interface RevokeOutcome {
  /** Cache entries dropped on this replica. */
  readonly cleared: number;
  /** Replicas told, this one included. */
  readonly replicas: number;
  readonly user?: string;
  /** jwt: until when the user's or token's tokens stay refused (RFC 3339). */
  readonly refusedUntil?: string;
}

export type RevocationError = { readonly kind: 'invalid'; readonly detail: string } | { readonly kind: 'unavailable'; readonly detail: string };

export interface RevocationService {
  revokeAll(by: string): Promise<Result<RevokeOutcome, RevocationError>>;
  revokeUser(by: string, userId: string): Promise<Result<RevokeOutcome, RevocationError>>;
  revokeToken(by: string, token: string): Promise<Result<RevokeOutcome, RevocationError>>;
  stats(): RevocationStats;
}

export interface TokenLifetime {
  /** `--auth-max-token-lifetime`, in ms: the jwt checker refuses any token valid longer than this. */
  readonly maxMs: number;
  /** `--auth-clock-tolerance`, in ms: how long after its `exp` the checker still accepts a token. */
  readonly toleranceMs: number;
}

export interface ServiceOptions {
  readonly local: LocalRevocations;
  readonly channel: Pick<RevocationChannel, 'publish' | 'received'>;
  readonly store: RevocationStore;
  /** jwt: how long tokens can live, so how long a revocation must be held. */
  readonly lifetime?: TokenLifetime;
  readonly logger: Logger;
  readonly now?: () => number;
}

export function createRevocationService(options: ServiceOptions): RevocationService {
  const { local, channel, store, logger } = options;
  const now = options.now ?? Date.now;
  const counts = { emptied: 0, users: 0, tokens: 0 };
  const holding = local.holds ? options.lifetime : undefined;

  const revoke = async (by: string, revocation: Revocation): Promise<Result<RevokeOutcome, RevocationError>> => {
    const at = now();
    const cleared = applyRevocation(local, revocation);
    const row = rowOf(revocation, at);
    if (row !== undefined) {
      const kept = await store.save(row, at);
      if (!kept.ok) return unavailable(logger, by, revocation, kept.error, 'could not be kept in the database');
    }
    const told = await channel.publish(revocation);
    if (!told.ok) return unavailable(logger, by, revocation, told.error, 'could not be sent to the other replicas');
    const outcome: RevokeOutcome = {
      cleared,
      replicas: told.value,
      ...(revocation.op === 'user' ? { user: revocation.user } : {}),
      ...(row === undefined ? {} : { refusedUntil: new Date(row.untilMs).toISOString() }),
    };
    logger.info({ revocation: describeRevocation(revocation), by, replicas: outcome.replicas, cleared, ...(outcome.refusedUntil ? { refusedUntil: outcome.refusedUntil } : {}) }, 'auth cache revocation');
    return ok(outcome);
  };

  return {
    async revokeAll(by) {
      counts.emptied++;
      return revoke(by, { op: 'clear' });
    },
    async revokeUser(by, userId) {
      const problem = userId === '' ? 'expected a user id, not an empty one' : userIdProblem(userId);
      if (problem !== undefined) return err({ kind: 'invalid', detail: `The user query parameter is not a user id: ${problem}.` });
      counts.users++;
      const at = now();
      return revoke(by, { op: 'user', user: userId, ...(holding === undefined ? {} : { revokedAt: at, until: at + holding.maxMs + holding.toleranceMs }) });
    },
    async revokeToken(by, token) {
      if (token === '') return err({ kind: 'invalid', detail: 'The token is empty.' });
      counts.tokens++;
      return revoke(by, { op: 'token', key: tokenKey(token), ...(holding === undefined ? {} : { until: tokenRefusedUntil(token, now(), holding) }) });
    },
    stats: () => ({ ...counts, received: channel.received, held: local.holds ? local.list.size : 0 }),
  };
}

/**
 * Until when a revoked token must stay refused: its own `exp` and the clock tolerance (read, not verified:
 * a forged `exp` only shortens a forged token's refusal), never longer than any token can live from now;
 * without a readable `exp`, that longest life.
 */
export function tokenRefusedUntil(token: string, nowMs: number, lifetime: TokenLifetime): number {
  const longest = nowMs + lifetime.maxMs + lifetime.toleranceMs;
  let exp: unknown;
  try {
    exp = decodeJwt(token).exp;
  } catch {
    return longest;
  }
  return typeof exp === 'number' && Number.isFinite(exp) ? Math.min(Math.ceil(exp * 1000) + lifetime.toleranceMs, longest) : longest;
}

/** What the database keeps of a jwt revocation; nothing for the HTTP protocols (no `until`), nor for `clear`. */
function rowOf(revocation: Revocation, at: number): StoredRevocation | undefined {
  if (revocation.op === 'user' && revocation.until !== undefined) return { kind: 'user', subject: revocation.user, revokedAtMs: revocation.revokedAt ?? at, untilMs: revocation.until };
  if (revocation.op === 'token' && revocation.until !== undefined) return { kind: 'token', subject: revocation.key, revokedAtMs: at, untilMs: revocation.until };
  return undefined;
}

function unavailable(logger: Logger, by: string, revocation: Revocation, error: unknown, what: string): Result<never, RevocationError> {
  logger.warn({ revocation: describeRevocation(revocation), by, error: reason(error) }, `a revocation ${what}`);
  return err({ kind: 'unavailable', detail: `The revocation was applied on this replica but ${what}: the database is unavailable. Retry shortly: revoking again is harmless.` });
}
