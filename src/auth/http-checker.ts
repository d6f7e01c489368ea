import type { Logger } from 'pino';
import type { AuthConfig } from './settings.ts';
import { createCallLimit } from './call-limit.ts';
import { askIdentityService } from './call.ts';
import type { TokenChecker } from './checker.ts';
import { describeViolation, type Verdict } from './identity.ts';
import { protocolFor } from './protocols/index.ts';
import type { HttpProtocol } from './protocols/protocol.ts';
import { summarised } from './summarised.ts';

/** At most one warning about refused calls per this many milliseconds, however many are refused. */
export const REFUSALS_LOGGED_EVERY_MS = 1000;

/** The HTTP protocols: one call to `--auth-url` per token the cache cannot answer, at most `--auth-max-calls` at once. */
export function httpChecker(auth: AuthConfig & { url: string; protocol: HttpProtocol }, logger: Logger): TokenChecker {
  const protocol = protocolFor(auth);
  const log = logger.child({ identityService: { protocol: protocol.name } });
  // Only a miss gets here: a cached identity, or a request joining a call in flight, never waits for a slot.
  const limit = createCallLimit(auth.maxCalls, auth.timeoutMs);
  let refused = 0;
  const noteRefusal = summarised(REFUSALS_LOGGED_EVERY_MS, (count) =>
    log.warn(
      { refused: count, maxCalls: auth.maxCalls },
      `refused ${count} call(s) to the identity service: all --auth-max-calls ${auth.maxCalls} were in flight and none ended within ${auth.timeoutMs} ms (at most one such line a second)`,
    ),
  );

  return {
    protocol: protocol.name,
    async check(token, { requestId }): Promise<Verdict> {
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
    },
    start: async () => {},
    stop: () => {},
    healthChecks: () => [],
    stats: () => ({ maxCalls: limit.max, callsInFlight: limit.inFlight, callsWaiting: limit.waiting, refused }),
  };
}
