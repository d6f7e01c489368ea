import { isSpanContextValid, trace, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';
import { SERVICE_NAME } from './service.ts';

/**
 * OpenTelemetry, set up before the app. The service makes its spans through `@opentelemetry/api` alone;
 * until an SDK registers itself, that API hands out spans that record nothing, so tracing that is off
 * costs a few function calls per request and the SDK is never even loaded.
 *
 * It is on when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the traces-only `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is
 * set and `OTEL_SDK_DISABLED` is not `true`. Everything else (protocol, headers, sampling, batching,
 * resource attributes) follows the standard `OTEL_*` variables, which the SDK reads itself.
 *
 * A twin: the other service has this same file, and Formgate's test/twins.test.ts keeps the two equal.
 */

/** `flushed`: every span was handed over (or the exporter gave up by itself); `abandoned`: we stopped waiting. */
export type ShutdownOutcome = 'flushed' | 'abandoned';

export interface Telemetry {
  readonly enabled: boolean;
  /** Sends what is still buffered and stops, waiting at most SHUTDOWN_WITHIN_MS; called once, as the process ends. */
  shutdown(): Promise<ShutdownOutcome>;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * How long stopping waits for the collector. One that is down keeps the exporter retrying for several
 * seconds; together with the request grace that would outlast an orchestrator's stop timeout (10 s in
 * Docker), which then kills the process anyway.
 */
export const SHUTDOWN_WITHIN_MS = 2000;

const OFF: Telemetry = Object.freeze({ enabled: false, shutdown: async (): Promise<ShutdownOutcome> => 'flushed' });

const isSet = (value: string | undefined) => (value?.trim() ?? '') !== '';

export function tracingRequested(env: Env): boolean {
  const endpoint = isSet(env.OTEL_EXPORTER_OTLP_ENDPOINT) || isSet(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  return endpoint && env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true';
}

export async function startTelemetry(env: Env = process.env): Promise<Telemetry> {
  if (!tracingRequested(env)) return OFF;
  const { NodeSDK, resources } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME?.trim() || SERVICE_NAME,
    // Not the process detector: it exports the command line, where a secret may be passed as a flag.
    resourceDetectors: [resources.envDetector, resources.hostDetector, resources.osDetector],
    // The spans are the service's own (requests, and what a request waits on); no library is patched.
    instrumentations: [],
    // Traces only: without these the SDK would also set up OTLP metrics and logs.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return { enabled: true, shutdown: () => withinDeadline(sdk.shutdown(), SHUTDOWN_WITHIN_MS) };
}

/** The work's own failure still rejects; only waiting too long is turned into `abandoned`. */
async function withinDeadline(work: Promise<void>, ms: number): Promise<ShutdownOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<ShutdownOutcome>((resolve) => {
    timer = setTimeout(() => resolve('abandoned'), ms);
  });
  try {
    return await Promise.race([work.then((): ShutdownOutcome => 'flushed'), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The tracer every span of this service comes from. */
export const tracer: Tracer = trace.getTracer(SERVICE_NAME);

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
