import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
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

/** A collector that takes connections and never answers: every export hangs until the exporter gives up. */
async function startSilentCollector(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('tracing', () => {
  it('is on with either OTLP endpoint variable, and off with OTEL_SDK_DISABLED=true in any case', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    // Formgate's deployments set only the traces endpoint; the SDK exports there, so tracing must be on.
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'TRUE' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces', OTEL_SDK_DISABLED: ' True ' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'false' })).toBe(true);
  });

  it('exports a SERVER span that continues the caller\'s traceparent, carries no token nor command line, and joins the log line', async () => {
    const receiver = await startReceiver();
    const cwd = await tempDir();
    // Stands for a secret passed as a flag: the command line must never leave the process.
    const marker = `secret-marker-${randomBytes(6).toString('hex')}`;
    try {
      const service = await startServe(['--port', '0', '--users', EXAMPLE_USERS, '--issuer', `http://${marker}.example`], {
        cwd,
        env: {
          OTEL_SDK_DISABLED: undefined,
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          // Far longer than the test: nothing is exported before shutdown, so only its flush can deliver the spans.
          OTEL_BSP_SCHEDULE_DELAY: '60000',
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

      const health = await fetchWithin(`${service.url}/healthz`);
      expect(health.status).toBe(200);
      expect(receiver.bodies).toEqual([]);

      // Shutdown flushes what is still waiting in the batch: every span is exported on the way out.
      expect(await service.stop()).toEqual({ code: 0, signal: null });
      const found = receiver.spans().find(({ span }) => span.traceId === traceId);
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
      expect(receiver.spans().some(({ span: s }) => s.name === 'GET /healthz')).toBe(true);
      expect(receiver.bodies.length).toBeGreaterThan(0);
      for (const body of receiver.bodies) {
        expect(body).not.toContain(token);
        expect(body).not.toContain('alice-password');
        expect(body).not.toContain(marker);
        expect(body).not.toContain('process.command');
      }

      const line = service.logs.find((l) => l.route === '/validate');
      expect(line).toMatchObject({ trace_id: traceId, span_id: span.spanId });
    } finally {
      await receiver.close();
    }
  });

  it('gives up flushing to a collector that does not answer, with a warning, and still exits 0', async () => {
    const collector = await startSilentCollector();
    const cwd = await tempDir();
    try {
      const service = await startServe(['--port', '0', '--users', EXAMPLE_USERS], {
        cwd,
        env: {
          OTEL_SDK_DISABLED: undefined,
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.url}/v1/traces`,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_BSP_SCHEDULE_DELAY: '60000',
        },
      });
      // A span waiting in the batch, so shutdown has something to flush.
      expect((await fetchWithin(`${service.url}/healthz`)).status).toBe(200);
      expect(await service.stop()).toEqual({ code: 0, signal: null });
      // Without a bound the exporter would wait out its own timeout, and an orchestrator kills the process first.
      expect(service.logs.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual(['gave up flushing the remaining spans: the trace collector did not take them in time']);
    } finally {
      await collector.close();
    }
  });
});
