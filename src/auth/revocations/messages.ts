import { err, ok, type Result } from '../../result.ts';
import { userIdProblem } from '../user-id.ts';

/**
 * What one replica tells the others when it revokes: the JSON payload of a notification. It names a token
 * by its key (SHA-256, `tokenKey`), never the token. Times are milliseconds since the epoch; `until` is
 * present only where the sender's protocol (jwt) keeps refusing after the drop.
 */
export type Revocation =
  | { readonly op: 'clear' }
  | { readonly op: 'user'; readonly user: string; readonly revokedAt?: number; readonly until?: number }
  | { readonly op: 'token'; readonly key: string; readonly until?: number };

export type RevocationMessage = Revocation & { readonly from: string };

/** A token key: base64url of 32 bytes. */
const TOKEN_KEY = /^[A-Za-z0-9_-]{43}$/;

export function encodeMessage(message: RevocationMessage): string {
  return JSON.stringify(message);
}

/** A payload read strictly: anything else on the channel is ignored, not half-applied. */
export function decodeMessage(payload: string): Result<RevocationMessage, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return err('not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) return err('not an object');
  const m = parsed as Record<string, unknown>;
  if (typeof m.from !== 'string' || m.from === '') return err('no sender');
  const from = m.from;
  const until = optionalTime(m.until);
  if (until === null) return err('a bad until');
  if (m.op === 'clear') return ok({ op: 'clear', from });
  if (m.op === 'token') {
    if (typeof m.key !== 'string' || !TOKEN_KEY.test(m.key)) return err('a bad token key');
    return ok({ op: 'token', key: m.key, from, ...(until === undefined ? {} : { until }) });
  }
  if (m.op === 'user') {
    if (typeof m.user !== 'string' || m.user === '' || userIdProblem(m.user) !== undefined) return err('a bad user id');
    const revokedAt = optionalTime(m.revokedAt);
    if (revokedAt === null || (until === undefined) !== (revokedAt === undefined)) return err('a bad revokedAt');
    return ok({ op: 'user', user: m.user, from, ...(until === undefined || revokedAt === undefined ? {} : { revokedAt, until }) });
  }
  return err('an unknown op');
}

/** undefined when absent, null when present but not a time. */
function optionalTime(value: unknown): number | undefined | null {
  if (value === undefined) return undefined;
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

/** What a log line may say of a revocation: a user id, or a token key's first 8 characters. */
export function describeRevocation(revocation: Revocation): { what: 'all' } | { what: 'user'; user: string } | { what: 'token'; key: string } {
  if (revocation.op === 'clear') return { what: 'all' };
  if (revocation.op === 'user') return { what: 'user', user: revocation.user };
  return { what: 'token', key: revocation.key.slice(0, 8) };
}
