import { SERVICE_NAME } from './logger.ts';

/**
 * OpenTelemetry tracing, started before the app is imported. It is on when an OTLP endpoint is set
 * (OTEL_EXPORTER_OTLP_ENDPOINT, or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT alone as Formgate's deployments
 * set it) and OTEL_SDK_DISABLED is not `true`; otherwise nothing of the SDK is loaded, and the
 * @opentelemetry/api calls made by the app fall through to its built-in no-op tracer.
 *
 * The exporter, its protocol (OTEL_EXPORTER_OTLP_PROTOCOL, e.g. http/json), the sampler and the batch
 * delays all come from the standard OTEL_* variables, which the SDK reads itself.
 */

/** `flushed`: every span was handed over (or the exporter gave up by itself); `abandoned`: we stopped waiting. */
export type ShutdownOutcome = 'flushed' | 'abandoned';

export interface Telemetry {
  readonly enabled: boolean;
  /** Flushes the spans not yet exported, waiting at most SHUTDOWN_WITHIN_MS for the collector. */
  shutdown(): Promise<ShutdownOutcome>;
}

/**
 * How long stopping waits for the collector. An unreachable one keeps the exporter retrying for many
 * seconds; together with the request grace that would outlast an orchestrator's stop timeout (10 s in
 * Docker), which then kills the process anyway.
 */
export const SHUTDOWN_WITHIN_MS = 2000;

const OFF: Telemetry = Object.freeze({ enabled: false, shutdown: async (): Promise<ShutdownOutcome> => 'flushed' });

const isSet = (value: string | undefined) => (value?.trim() ?? '') !== '';

export function tracingRequested(env: Record<string, string | undefined>): boolean {
  const endpoint = isSet(env.OTEL_EXPORTER_OTLP_ENDPOINT) || isSet(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  return endpoint && env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true';
}

export async function startTelemetry(env: Record<string, string | undefined> = process.env): Promise<Telemetry> {
  if (!tracingRequested(env)) return OFF;
  const { NodeSDK, resources } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME?.trim() || SERVICE_NAME,
    // Not the default process detector: it exports the command line, and a secret may be passed as a flag.
    resourceDetectors: [resources.envDetector, resources.hostDetector, resources.osDetector],
    // Spans are made by the app's own middleware; patching libraries would add noise, not insight.
    instrumentations: [],
    // This service sends traces only: without these the SDK would also set up OTLP metrics and logs.
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
