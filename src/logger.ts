import { pino, type DestinationStream, type Logger } from 'pino';
import { SERVICE_NAME } from './service.ts';
import { traceIds } from './telemetry.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * JSON lines on stdout; tests pass a destination of their own to read what was logged.
 * A twin: the other service has this same file, and Formgate's test/twins.test.ts keeps the two equal.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: SERVICE_NAME },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    // A line written while a span is active says which trace it belongs to (nothing when tracing is off).
    mixin: traceIds,
    // Defence in depth: nothing should put a credential in a log line, and if something does it is masked.
    redact: {
      paths: [
        ...['authorization', 'token', 'password', 'apiKey', 'client_secret'].flatMap((key) => [key, `*.${key}`]),
        'req.headers.authorization',
      ],
      censor: '[redacted]',
    },
  };
  // Synchronous writes: a process that logs "stopped" and exits at once must not lose or reorder its last
  // lines, which asynchronous stdout writes do. One write per line is negligible next to a request's cost.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}
