import { SERVICE_NAME } from './logger.ts';

/**
 * OpenTelemetry tracing, started before the app is imported. It is on when OTEL_EXPORTER_OTLP_ENDPOINT
 * is set and OTEL_SDK_DISABLED is not `true`; otherwise nothing of the SDK is loaded, and the
 * @opentelemetry/api calls made by the app fall through to its built-in no-op tracer.
 *
 * The exporter, its protocol (OTEL_EXPORTER_OTLP_PROTOCOL, e.g. http/json), the sampler and the batch
 * delays all come from the standard OTEL_* variables, which the SDK reads itself.
 */

export interface Telemetry {
  readonly enabled: boolean;
  /** Flushes the spans not yet exported; resolves when done (or when the exporter gave up). */
  shutdown(): Promise<void>;
}

const OFF: Telemetry = Object.freeze({ enabled: false, shutdown: async () => {} });

export function tracingRequested(env: Record<string, string | undefined>): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() ?? '';
  return endpoint !== '' && env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true';
}

export async function startTelemetry(env: Record<string, string | undefined> = process.env): Promise<Telemetry> {
  if (!tracingRequested(env)) return OFF;
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME?.trim() || SERVICE_NAME,
    // Spans are made by the app's own middleware; patching libraries would add noise, not insight.
    instrumentations: [],
    // This service sends traces only: without these the SDK would also set up OTLP metrics and logs.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return { enabled: true, shutdown: () => sdk.shutdown() };
}
