import { isSpanContextValid, trace, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';

/**
 * OpenTelemetry, set up before the app. Formgate makes its spans through `@opentelemetry/api` alone; until an
 * SDK registers itself, that API hands out spans that record nothing, so tracing that is off costs a few
 * function calls per request and the SDK is never even loaded.
 *
 * It is on when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the traces-only `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set
 * and `OTEL_SDK_DISABLED` is not `true`. Everything else (protocol, headers, sampling, batching, resource
 * attributes) follows the standard `OTEL_*` variables, which the SDK reads itself.
 */

export interface Telemetry {
  readonly enabled: boolean;
  /** Sends what is still buffered and stops; called once, as the process ends. */
  shutdown(): Promise<void>;
}

type Env = Readonly<Record<string, string | undefined>>;

const OFF: Telemetry = { enabled: false, shutdown: async () => {} };

export function tracingWanted(env: Env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

export async function startTelemetry(env: Env = process.env): Promise<Telemetry> {
  if (!tracingWanted(env)) return OFF;
  const { NodeSDK, resources } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    // OTEL_SERVICE_NAME, when set, is read by the SDK and wins over this default.
    ...(env.OTEL_SERVICE_NAME?.trim() ? {} : { serviceName: 'formgate' }),
    // Formgate's spans are its own (requests, identity validation, queries); no library is patched.
    instrumentations: [],
    // Not the process detector: it exports the command line, where --auth-client-secret or a database
    // password may be.
    resourceDetectors: [resources.envDetector, resources.hostDetector, resources.osDetector],
  });
  sdk.start();
  return { enabled: true, shutdown: () => boundedShutdown(sdk) };
}

// A collector that is down makes the exporter retry for several seconds; stopping must not wait for it,
// or an orchestrator's stop timeout (10 s in Docker) kills the process first.
const SHUTDOWN_WITHIN_MS = 2000;

function boundedShutdown(sdk: { shutdown(): Promise<void> }): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the trace collector did not take the last spans within ${SHUTDOWN_WITHIN_MS} ms`)), SHUTDOWN_WITHIN_MS);
  });
  return Promise.race([sdk.shutdown(), late]).finally(() => clearTimeout(timer));
}

/** The tracer every Formgate span comes from. */
export const tracer: Tracer = trace.getTracer('formgate');

/** Runs `work` in a new span, active while it runs, which ends when the work does, however it ends. */
export function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, options, async (span) => {
    try {
      return await work(span);
    } finally {
      span.end();
    }
  });
}

/** The ids a log line needs to be found from its trace (and back), when a span is active. */
export function traceIds(): { trace_id?: string; span_id?: string } {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId };
}
