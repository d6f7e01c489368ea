import { describe, expect, test } from 'vitest';
import { startTelemetry, tracingRequested } from '../src/telemetry.ts';

describe('tracingRequested', () => {
  test.each([
    [{}, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }, true],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'TRUE' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'false' }, true],
  ])('%o → %s', (env, wanted) => {
    expect(tracingRequested(env)).toBe(wanted);
  });

  test('without an endpoint nothing starts, and shutting down is harmless', async () => {
    const telemetry = await startTelemetry({});
    expect(telemetry.enabled).toBe(false);
    await expect(telemetry.shutdown()).resolves.toBe('flushed');
  });
});
