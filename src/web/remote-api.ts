import { context, propagation, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { causes, errorCode, isStaleConnection } from '../http/fetch-errors.ts';
import { inSpan } from '../telemetry.ts';
import type { ApiFetch } from './api-client.ts';

/**
 * The API over the network (`--api-url`): the web client's `ApiFetch` when this process serves no API.
 * Node's fetch keeps connections to the API alive between requests. Each request is a CLIENT span whose
 * `traceparent` goes along, so the API's spans join the page's trace; the span holds the method, the
 * API's address, the path and the status, never a header, query or body.
 */

export interface RemoteApiOptions {
  /** The base URL, without a trailing slash (a path is a proxy's prefix). */
  readonly baseUrl: string;
  /** The longest the API may take to send its answer's headers; the body then streams (the CSV download). */
  readonly timeoutMs: number;
  /** Told why a request got no answer, for the operator's log: the person sees the 503 page. */
  readonly onFailure?: (reason: string) => void;
}

/** Thrown (and turned into the 503 page by the API client) when the API gave no answer. */
export class ApiUnreachable extends Error {
  override readonly name = 'ApiUnreachable';
}

const IDEMPOTENT = new Set(['GET', 'HEAD']);
const JSON_TYPE = /^application\/([a-z.+-]*\+)?json/i;

export function remoteApi(options: RemoteApiOptions): ApiFetch {
  const base = new URL(options.baseUrl);
  const attributes = { 'server.address': base.hostname, 'server.port': Number(base.port) || (base.protocol === 'https:' ? 443 : 80) };
  return (path, init) => {
    const method = (init.method ?? 'GET').toUpperCase();
    const target = new URL(options.baseUrl + path);
    const spanAttributes = { ...attributes, 'http.request.method': method, 'url.path': target.pathname };
    return inSpan(method, { kind: SpanKind.CLIENT, attributes: spanAttributes }, async (span) => {
      const headers = new Headers(init.headers);
      const trace: Record<string, string> = {};
      propagation.inject(context.active(), trace);
      for (const [name, value] of Object.entries(trace)) headers.set(name, value);
      try {
        const response = await send(target, { ...init, method, headers }, options.timeoutMs);
        span.setAttribute('http.response.status_code', response.status);
        if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        return response;
      } catch (e) {
        const reason = describe(e, options.timeoutMs);
        span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
        options.onFailure?.(reason);
        throw new ApiUnreachable(reason);
      }
    });
  };
}

async function send(target: URL, init: RequestInit & { method: string }, timeoutMs: number): Promise<Response> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DOMException('timeout', 'TimeoutError')), timeoutMs);
  // A redirect would carry the person's token wherever it points; the API never sends one.
  const once = () => fetch(target, { ...init, redirect: 'manual', signal: deadline.signal });
  try {
    // A kept-alive connection the API (or a proxy) closed while idle fails on first use; a read is safe
    // to send once more on a fresh one, within the same deadline. A write is not: it may have arrived.
    const response = await once().catch((e: unknown) => {
      if (deadline.signal.aborted || !IDEMPOTENT.has(init.method) || !isStaleConnection(e)) throw e;
      return once();
    });
    if (!JSON_TYPE.test(response.headers.get('content-type') ?? '')) return response;
    // A JSON answer is read whole within the same deadline, so a body that stalls is a timeout too; anything
    // else (the CSV download) streams, bounded only by the fetch's idle timeout between chunks.
    const body = await response.arrayBuffer();
    return new Response(body.byteLength === 0 ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers });
  } finally {
    clearTimeout(timer);
  }
}

/** For the log: what went wrong, with the error code; no URL (the path can hold a document id, never a token). */
function describe(error: unknown, timeoutMs: number): string {
  if (causes(error).some((c) => c.name === 'TimeoutError')) return `the API did not answer within ${timeoutMs} ms (--api-timeout)`;
  const code = causes(error).map(errorCode).find((c) => c !== undefined);
  return `the API could not be reached${code === undefined ? '' : ` (${code})`}`;
}
