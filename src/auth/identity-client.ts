import { hash } from 'node:crypto';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { AuthConfig } from './settings.ts';
import { inSpan } from '../telemetry.ts';
import { createIdentityCache, type CacheStats, type SourcedVerdict } from './cache.ts';
import { createCallLimit } from './call-limit.ts';
import { askIdentityService } from './call.ts';
import { describeViolation, type Verdict } from './identity.ts';
import { protocolFor } from './protocols/index.ts';

/**
 * Formgate's client of the identity service: "who holds this token?", answered from the cache when it can
 * be and by the configured protocol when it cannot.
 */
export interface IdentityClient {
  readonly protocol: AuthConfig['protocol'];
  validate(token: string, context?: { requestId?: string }): Promise<SourcedVerdict>;
  cacheStats(): CacheStats;
  callStats(): CallStats;
  clearCache(): number;
}

export interface CallStats {
  /** `--auth-max-calls`. */
  maxCalls: number;
  callsInFlight: number;
  callsWaiting: number;
  /** Calls not made because every slot stayed taken for `--auth-timeout`. */
  refused: number;
}

/** At most one warning about refused calls per this many milliseconds, however many are refused. */
export const REFUSALS_LOGGED_EVERY_MS = 1000;

export interface IdentityClientOptions {
  readonly logger: Logger;
  readonly now?: () => number;
}

/** A client of the identity service `--auth-url` names, or none when it is unset (every domain is then `none`). */
export function identityClientFor(auth: AuthConfig, options: IdentityClientOptions): IdentityClient | undefined {
  return auth.url === undefined ? undefined : createIdentityClient({ ...auth, url: auth.url }, options);
}

export function createIdentityClient(auth: AuthConfig & { url: string }, options: IdentityClientOptions): IdentityClient {
  const protocol = protocolFor(auth);
  const cache = createIdentityCache({ ...auth.cache, ...(options.now ? { now: options.now } : {}) });
  const log = options.logger.child({ identityService: { protocol: protocol.name } });
  // Only a miss gets here: a cached identity, or a request joining a call in flight, never waits for a slot.
  const limit = createCallLimit(auth.maxCalls, auth.timeoutMs);
  let refused = 0;
  const noteRefusal = summarised(REFUSALS_LOGGED_EVERY_MS, (count) =>
    log.warn(
      { refused: count, maxCalls: auth.maxCalls },
      `refused ${count} call(s) to the identity service: all --auth-max-calls ${auth.maxCalls} were in flight and none ended within ${auth.timeoutMs} ms (at most one such line a second)`,
    ),
  );

  const ask = async (token: string, requestId: string | undefined): Promise<Verdict> => {
    const made = await limit.run(() => askIdentityService(protocol, token, { url: auth.url, timeoutMs: auth.timeoutMs, ...(requestId ? { requestId } : {}) }));
    if (!made.ok) {
      refused++;
      noteRefusal();
      const reason = `the identity service is at Formgate's limit of calls in flight and none ended within ${auth.timeoutMs} ms`;
      return { kind: 'failed', failure: { kind: 'refused', reason } };
    }
    const verdict = made.value;
    // Logged once per call, not once per request that waited on it.
    if (verdict.kind === 'failed' && verdict.failure.kind !== 'refused') {
      const { failure } = verdict;
      const fields = { requestId, status: failure.status, ...(failure.kind === 'violation' ? { answer: failure.answer } : {}) };
      if (failure.kind === 'violation') log.warn(fields, describeViolation(failure));
      else log.warn(fields, `identity service unavailable: ${failure.reason}`);
    }
    return verdict;
  };

  return {
    protocol: protocol.name,
    validate: (token, context = {}) => traced(protocol.name, () => cache.validate(tokenKey(token), () => ask(token, context.requestId))),
    cacheStats: cache.stats,
    callStats: () => ({ maxCalls: limit.max, callsInFlight: limit.inFlight, callsWaiting: limit.waiting, refused }),
    clearCache: cache.clear,
  };
}

/**
 * Calls `report(count)` for the first event at once, then at most once per `everyMs` with the count since
 * the last report, so an attack cannot flood the log and no event goes unreported.
 */
function summarised(everyMs: number, report: (count: number) => void): () => void {
  let pending = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (pending === 0) return;
    report(pending);
    pending = 0;
    // Unref'd: a report still owed must not keep a stopping process alive.
    timer = setTimeout(flush, everyMs).unref();
  };
  return () => {
    pending++;
    if (timer === undefined) flush();
  };
}

/**
 * One span per validation, whether the cache answered or the service was asked (the call is then its
 * child). It says how the question was answered, never what the token was or who holds it.
 */
function traced(protocol: string, validate: () => Promise<SourcedVerdict>): Promise<SourcedVerdict> {
  return inSpan('identity.validate', { kind: SpanKind.INTERNAL, attributes: { 'formgate.auth.protocol': protocol } }, async (span) => {
    const answered = await validate();
    const { verdict } = answered;
    const outcome = verdict.kind === 'failed' ? verdict.failure.kind : verdict.kind;
    span.setAttributes({ 'formgate.auth.cache': answered.source, 'formgate.auth.outcome': outcome });
    if (verdict.kind === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: `identity service ${outcome}` });
    return answered;
  });
}

/**
 * The cache key of a token: its SHA-256, so a dump of the cache holds no usable credential. The one-shot
 * `hash()` costs half of `createHash()…digest()`, and this runs for every request that carries a token.
 */
export function tokenKey(token: string): string {
  return hash('sha256', token, 'base64url');
}
