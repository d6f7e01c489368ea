import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export const SERVICE_NAME = 'formgate-auth-example';

/**
 * JSON lines on stdout; tests pass a destination of their own to read what was logged. While a traced
 * request is being handled, every line carries its trace and span ids, so logs and traces join up.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: SERVICE_NAME },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    mixin: traceIds,
    // Defence in depth: nothing should put a credential in a log line, and if something does it is masked.
    redact: {
      paths: ['authorization', 'token', 'password', 'apiKey', 'client_secret', '*.authorization', '*.token', '*.password', '*.apiKey', '*.client_secret'],
      censor: '[redacted]',
    },
  };
  // Synchronous writes: a line logged just before process.exit() is neither lost nor overtaken by later ones.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}

/** Without the tracing SDK there is never an active span, so this costs one lookup. */
function traceIds(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const context = span.spanContext();
  if (!isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId };
}
