import type { Logger } from 'pino';
import type { CheckerStats, KeySetFigures, TokenChecker } from '../checker.ts';
import { describeViolation } from '../identity.ts';
import type { AuthConfig, JwtConfig } from '../settings.ts';
import { summarised } from '../summarised.ts';
import { createKeySet, type KeySet } from './key-set.ts';
import { isWiringMistake, type RejectionCode } from './rejections.ts';
import { verifyJwt, type JwtVerification, type VerifySettings } from './verify.ts';

export interface JwtCheckerOptions {
  readonly logger: Logger;
  readonly now?: () => number;
  /** A key set already made (check-auth reports on it); by default one is made from the settings. */
  readonly keySet?: KeySet;
}

/** Warnings of one kind are summarised: at most one line per this many milliseconds, with the count. */
export const JWT_WARNINGS_EVERY_MS = 1000;

export type JwtAuth = AuthConfig & { readonly jwt: JwtConfig };

/** The key set `--auth-protocol jwt`'s flags describe. */
export function keySetFor(auth: JwtAuth, options: Pick<JwtCheckerOptions, 'logger' | 'now'>): KeySet {
  const { jwt } = auth;
  return createKeySet({
    issuer: jwt.issuer,
    ...(jwt.jwksUrl === undefined ? {} : { jwksUrl: jwt.jwksUrl }),
    timeoutMs: auth.timeoutMs,
    staleS: jwt.keySetStaleS,
    cooldownS: jwt.keySetCooldownS,
    logger: options.logger,
    ...(options.now ? { now: options.now } : {}),
  });
}

export function verifySettingsFor(auth: JwtAuth, now?: () => number): VerifySettings {
  const { jwt } = auth;
  return {
    issuer: jwt.issuer,
    audiences: jwt.audiences,
    algorithms: jwt.algorithms,
    clockToleranceS: jwt.clockToleranceS,
    maxTokenLifetimeS: jwt.maxTokenLifetimeS,
    groupsClaim: auth.groupsClaim,
    ...(now ? { now } : {}),
  };
}

/** `--auth-protocol jwt`: each token checked here against the provider's published keys; no call per token. */
export function jwtChecker(auth: JwtAuth, options: JwtCheckerOptions): TokenChecker {
  const log = options.logger.child({ identityService: { protocol: 'jwt' } });
  const keySet = options.keySet ?? keySetFor(auth, { ...options, logger: log });
  const settings = verifySettingsFor(auth, options.now);
  const report = reporter(log);

  return {
    protocol: 'jwt',
    async check(token, { requestId }) {
      const checked = await verifyJwt(token, keySet, settings);
      report(checked, requestId);
      return checked.verdict;
    },
    start: () => keySet.start(),
    stop: () => keySet.stop(),
    healthChecks: (critical) => [keySet.healthCheck(critical)],
    stats: (): CheckerStats => ({ maxCalls: 0, callsInFlight: 0, callsWaiting: 0, refused: 0, keySet: figures(keySet, options.now) }),
  };
}

function figures(keySet: KeySet, now: (() => number) | undefined): KeySetFigures {
  const state = keySet.state();
  const nowMs = now?.() ?? Date.now();
  return {
    ageS: state.fetchedAtMs === undefined ? null : Math.max(0, Math.floor((nowMs - state.fetchedAtMs) / 1000)),
    keys: state.keys,
    fetches: state.fetches,
    fetchFailures: state.fetchFailures,
    stale: state.stale,
  };
}

/**
 * One log line per outcome worth telling, never with the token. Everyday refusals (expired, a bad
 * signature) are debug lines; a wiring mistake and a missing key set are warnings summarised per kind, so
 * a flood of such tokens costs one line a second.
 */
function reporter(log: Logger): (checked: JwtVerification, requestId: string | undefined) => void {
  const warnings = new Map<string, { last: string; note: () => void }>();
  const warn = (kind: string, line: string, message: (count: number, last: string) => string) => {
    let entry = warnings.get(kind);
    if (entry === undefined) {
      const made: { last: string; note: () => void } = { last: line, note: () => {} };
      made.note = summarised(JWT_WARNINGS_EVERY_MS, (count) => log.warn({ refused: count, reason: kind }, message(count, made.last)));
      warnings.set(kind, made);
      entry = made;
    }
    entry.last = line;
    entry.note();
  };

  return ({ verdict, rejection, noKeys }, requestId) => {
    if (rejection !== undefined) {
      const code: RejectionCode = rejection.code;
      if (!isWiringMistake(code)) return void log.debug({ requestId, reason: code }, `token refused (401): ${rejection.detail}`);
      return warn(code, rejection.detail, (count, last) => `refused ${count} token(s) (401) that look like a wiring mistake: ${last} (at most one such line a second)`);
    }
    if (verdict.kind !== 'failed') return;
    const { failure } = verdict;
    if (failure.kind === 'violation') return warn('violation', describeViolation(failure), (count, last) => `${count} token(s) got 502: ${last} (at most one such line a second)`);
    warn('no-keys', noKeys ?? failure.reason, (count, last) => `${count} token(s) got 503 with Retry-After: no signing keys to check them with: ${last} (at most one such line a second)`);
  };
}
