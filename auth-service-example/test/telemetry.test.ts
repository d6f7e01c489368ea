import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { tracingRequested } from '../src/telemetry.ts';
import { EXAMPLE_USERS, fetchWithin, killAll, startServe } from './support/process.ts';
import { tempDir } from './support/temp.ts';

/**
 * Tracing: with an OTLP endpoint set, the service exports one SERVER span per request that continues
 * the caller's trace, and says nothing in it about the token. The receiver is a plain HTTP server that
 * takes OTLP/HTTP JSON, as a collector would.
 */

afterAll(killAll);

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: number | string };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: OtlpAttribute[];
}

interface Receiver {
  readonly url: string;
  readonly bodies: string[];
  spans(): { service: string; span: OtlpSpan }[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      if (req.url === '/v1/traces') bodies.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    spans: () =>
      bodies.flatMap((b) => {
        const parsed = JSON.parse(b) as { resourceSpans: { resource: { attributes: OtlpAttribute[] }; scopeSpans: { spans: OtlpSpan[] }[] }[] };
        return parsed.resourceSpans.flatMap((rs) => {
          const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          return rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ service, span })));
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue));
};

describe('tracing', () => {
  it('is on only with an endpoint and without OTEL_SDK_DISABLED=true', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'TRUE' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'false' })).toBe(true);
  });

  it('exports a SERVER span that continues the caller\'s traceparent, carries no token, and joins the log line', async () => {
    const receiver = await startReceiver();
    const cwd = await tempDir();
    try {
      const service = await startServe(['--port', '0', '--users', EXAMPLE_USERS], {
        cwd,
        env: {
          OTEL_SDK_DISABLED: undefined,
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_BSP_SCHEDULE_DELAY: '200',
        },
      });
      const granted = await fetchWithin(`${service.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=password&username=alice&password=alice-password',
      });
      const { access_token: token } = (await granted.json()) as { access_token: string };

      const traceId = randomBytes(16).toString('hex');
      const parentSpanId = randomBytes(8).toString('hex');
      const answer = await fetchWithin(`${service.url}/validate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${parentSpanId}-01` },
        body: JSON.stringify({ token }),
      });
      expect(answer.status).toBe(200);

      let found: { service: string; span: OtlpSpan } | undefined;
      for (let attempt = 0; attempt < 100 && found === undefined; attempt++) {
        found = receiver.spans().find(({ span }) => span.traceId === traceId);
        if (found === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      if (found === undefined) throw new Error(`no span of trace ${traceId} arrived; got ${receiver.bodies.length} exports`);
      const { span } = found;
      expect(found.service).toBe('formgate-auth-example');
      expect(span).toMatchObject({ name: 'POST /validate', parentSpanId, kind: 2 });
      expect(attribute(span, 'http.request.method')).toBe('POST');
      expect(attribute(span, 'http.route')).toBe('/validate');
      expect(attribute(span, 'url.path')).toBe('/validate');
      expect(attribute(span, 'http.response.status_code')).toBe(200);

      // The token grant had no traceparent: a trace of its own, with its own route in the name.
      expect(receiver.spans().some(({ span: s }) => s.name === 'POST /token' && s.traceId !== traceId && s.parentSpanId === undefined)).toBe(true);
      for (const body of receiver.bodies) {
        expect(body).not.toContain(token);
        expect(body).not.toContain('alice-password');
      }

      const line = service.logs.find((l) => l.route === '/validate');
      expect(line).toMatchObject({ trace_id: traceId, span_id: span.spanId });

      // Shutdown flushes what is still waiting in the batch: this span is exported on the way out.
      const health = await fetchWithin(`${service.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await service.stop()).toEqual({ code: 0, signal: null });
      expect(receiver.spans().some(({ span: s }) => s.name === 'GET /healthz')).toBe(true);
    } finally {
      await receiver.close();
    }
  });
});
