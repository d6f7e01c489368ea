import { hash } from 'node:crypto';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { AuthConfig } from '../config.ts';
import { inSpan } from '../telemetry.ts';
import { createIdentityCache, type CacheStats, type Validation } from './cache.ts';
import { askIdentityService } from './client.ts';
import { describeViolation, type Verdict } from './identity.ts';
import { protocolFor } from './protocols/index.ts';

/**
 * The identity service as the rest of Formgate sees it: "who holds this token?", answered from the cache
 * when it can be and by the configured protocol when it cannot.
 */
export interface IdentityService {
  readonly protocol: AuthConfig['protocol'];
  validate(token: string, context?: { requestId?: string }): Promise<Validation>;
  cacheStats(): CacheStats;
  clearCache(): number;
}

export interface IdentityServiceOptions {
  readonly logger: Logger;
  readonly now?: () => number;
}

/** The identity service `--auth-url` names, or none when it is unset (every domain is then `none`). */
export function identityServiceFor(auth: AuthConfig, options: IdentityServiceOptions): IdentityService | undefined {
  return auth.url === undefined ? undefined : createIdentityService({ ...auth, url: auth.url }, options);
}

export function createIdentityService(auth: AuthConfig & { url: string }, options: IdentityServiceOptions): IdentityService {
  const protocol = protocolFor(auth);
  const cache = createIdentityCache({ ...auth.cache, ...(options.now ? { now: options.now } : {}) });
  const log = options.logger.child({ identityService: { protocol: protocol.name } });

  const ask = async (token: string, requestId: string | undefined): Promise<Verdict> => {
    const verdict = await askIdentityService(protocol, token, { url: auth.url, timeoutMs: auth.timeoutMs, ...(requestId ? { requestId } : {}) });
    // Logged once per call, not once per request that waited on it.
    if (verdict.kind === 'failed') {
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
    clearCache: cache.clear,
  };
}

/**
 * One span per validation, whether the cache answered or the service was asked (the call is then its
 * child). It says how the question was answered, never what the token was or who holds it.
 */
function traced(protocol: string, validate: () => Promise<Validation>): Promise<Validation> {
  return inSpan('identity.validate', { kind: SpanKind.INTERNAL, attributes: { 'formgate.auth.protocol': protocol } }, async (span) => {
    const validation = await validate();
    const { verdict } = validation;
    const outcome = verdict.kind === 'failed' ? verdict.failure.kind : verdict.kind;
    span.setAttributes({ 'formgate.auth.cache': validation.source, 'formgate.auth.outcome': outcome });
    if (verdict.kind === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: `identity service ${outcome}` });
    return validation;
  });
}

/**
 * The cache key of a token: its SHA-256, so a dump of the cache holds no usable credential. The one-shot
 * `hash()` costs half of `createHash()…digest()`, and this runs for every request that carries a token.
 */
export function tokenKey(token: string): string {
  return hash('sha256', token, 'base64url');
}
