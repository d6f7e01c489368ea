import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { inSpan } from '../telemetry.ts';
import { causeChain } from './errors.ts';

/**
 * Wraps one storage operation in a CLIENT span named the OpenTelemetry way, `OPERATION table`
 * (`INSERT documents`). The span carries the operation and table, never the SQL's parameters: those are
 * people's form answers. A failure records the driver's error code (`57P01`, `ECONNREFUSED`), not its
 * message, which can quote the parameters too.
 */
export function traced<A extends unknown[], R>(summary: `${string} ${string}`, run: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  const [operation, collection] = summary.split(' ') as [string, string];
  const attributes = {
    'db.system.name': 'postgresql',
    'db.operation.name': operation,
    'db.collection.name': collection,
    'db.query.summary': summary,
  };
  return (...args) =>
    inSpan(summary, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      try {
        return await run(...args);
      } catch (e) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorCode(e) });
        throw e;
      }
    });
}

function errorCode(error: unknown): string {
  const code = causeChain(error).find((e) => typeof e.code === 'string')?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.name : 'error';
}
