import { hash } from 'node:crypto';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { AuthConfig } from './settings.ts';
import { inSpan } from '../telemetry.ts';
import type { HealthCheck } from '../health/check.ts';
import { createIdentityCache, type CacheStats, type SourcedVerdict } from './cache.ts';
import type { CheckerStats, TokenChecker } from './checker.ts';
import { httpChecker } from './http-checker.ts';
import { jwtChecker } from './jwt/checker.ts';
import { createRevocationList, type RevocationList } from './revocation-list.ts';

/**
 * Formgate's client of the identity service: "who holds this token?", answered from the cache when it can
 * be and by the configured checker (a call over HTTP, or a local JWT check) when it cannot; an identity a
 * revocation names is refused whichever answered.
 */
export interface IdentityClient {
  readonly protocol: AuthConfig['protocol'];
  validate(token: string, context?: { requestId?: string }): Promise<SourcedVerdict>;
  cacheStats(): CacheStats;
  callStats(): CheckerStats;
  /** The revocations this replica holds (jwt), for the admin figures. */
  readonly revocations: RevocationList;
  /** Forgets every kept answer here (this replica only); returns how many entries were dropped. */
  clearCache(): number;
  /** Forgets every kept identity of one user here; returns how many entries were dropped. */
  dropUser(userId: string): number;
  /** Forgets the kept answer for one token, by its cache key (`tokenKey`); returns 0 or 1. */
  dropToken(key: string): number;
  /** Before the first request: the checker's startup work (the jwt key set's first fetch). Never throws. */
  start(): Promise<void>;
  stop(): void;
  /** The checker's own /health checks (the jwt key set's age). */
  healthChecks(critical: boolean): HealthCheck[];
}


export interface IdentityClientOptions {
  readonly logger: Logger;
  readonly now?: () => number;
  /** Shared with the revocation channel, which fills it; a fresh empty one by default. */
  readonly revocations?: RevocationList;
}

/** A client of the identity service the flags name, or none (every domain is then `none`). */
export function identityClientFor(auth: AuthConfig, options: IdentityClientOptions): IdentityClient | undefined {
  if (auth.protocol === 'jwt') return auth.jwt === undefined ? undefined : createIdentityClient(auth, options);
  return auth.url === undefined ? undefined : createIdentityClient(auth, options);
}

export function createIdentityClient(auth: AuthConfig, options: IdentityClientOptions): IdentityClient {
  const checker = checkerFor(auth, options);
  const cache = createIdentityCache({ ...auth.cache, ...(options.now ? { now: options.now } : {}) });
  const revocations = options.revocations ?? createRevocationList(options.now);

  const validate = async (token: string, requestId: string | undefined): Promise<SourcedVerdict> => {
    const key = tokenKey(token);
    const answered = await cache.validate(key, () => checker.check(token, requestId ? { requestId } : {}));
    const { verdict } = answered;
    if (verdict.kind === 'valid' && revocations.refuses(key, verdict.identity)) return { ...answered, verdict: { kind: 'rejected', status: 401 } };
    return answered;
  };

  return {
    protocol: checker.protocol,
    validate: (token, context = {}) => traced(checker.protocol, () => validate(token, context.requestId)),
    cacheStats: cache.stats,
    callStats: checker.stats,
    revocations,
    clearCache: cache.clear,
    dropUser: cache.dropUser,
    dropToken: cache.dropKey,
    start: () => checker.start(),
    stop: () => checker.stop(),
    healthChecks: (critical) => checker.healthChecks(critical),
  };
}

function checkerFor(auth: AuthConfig, options: IdentityClientOptions): TokenChecker {
  if (auth.protocol === 'jwt') {
    if (auth.jwt === undefined) throw new Error('--auth-protocol jwt without its settings');
    return jwtChecker({ ...auth, jwt: auth.jwt }, options);
  }
  if (auth.url === undefined) throw new Error(`--auth-protocol ${auth.protocol} without --auth-url`);
  return httpChecker({ ...auth, url: auth.url, protocol: auth.protocol }, options.logger);
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
