import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { node, tracing } from '@opentelemetry/sdk-node';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cleanUp, harness } from './key-set-harness.ts';

// Each key-set fetch is a CLIENT span whose trace context goes along, recorded by the real SDK in memory.

const exporter = new tracing.InMemorySpanExporter();
const provider = new node.NodeTracerProvider({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] });
provider.register();

afterEach(cleanUp);
afterAll(() => provider.shutdown());

describe('key-set fetches in traces', () => {
  it('discovery and the key set are one CLIENT span each; the provider gets their traceparent', async () => {
    const h = await harness({ discovery: true });
    const spans = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CLIENT);
    expect(spans).toHaveLength(2);
    for (const span of spans) {
      expect(span.name).toBe('GET');
      expect(span.attributes).toMatchObject({ 'http.request.method': 'GET', 'server.address': '127.0.0.1', 'server.port': h.server.port, 'http.response.status_code': 200 });
    }
    const sent = h.server.requests.map((r) => r.headers.traceparent);
    expect(sent).toEqual(spans.map((s) => `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`));
  });

  it('a failed fetch is an error span naming why, with no URL', async () => {
    exporter.reset();
    const h = await harness({ start: false });
    h.server.answerJwks({ status: 503 });
    await h.keySet.start();
    const [span] = exporter.getFinishedSpans();
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'answered 503' });
    expect(JSON.stringify(span?.attributes)).not.toContain('/jwks');
  });
});
