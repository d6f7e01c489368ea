import { context, propagation, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { inSpan } from '../telemetry.ts';
import type { Verdict } from './identity.ts';
import type { Answer, OutgoingRequest, Protocol } from './protocols/index.ts';
import { shapeOf } from './answer-shape.ts';
import { blockedPort, connectionFailure, isStaleConnection } from '../http/fetch-errors.ts';
import { readLimited } from '../http/read-limited.ts';

/**
 * One call to the identity service. Every way the call can go wrong becomes a verdict: no answer in time
 * or no connection is `unavailable` (the token may be fine), an answer that breaks the protocol is a
 * `violation`. Node's fetch keeps connections to the service alive between calls.
 */

export interface CallOptions {
  readonly url: string;
  readonly timeoutMs: number;
  /** Sent as `x-request-id` so the service's logs join up with ours. */
  readonly requestId?: string;
}

/** An answer larger than this is not an identity; reading it all would let a broken service exhaust memory. */
export const MAX_ANSWER_BYTES = 256 * 1024;

/**
 * The call is a CLIENT span, and its `traceparent` goes along so the identity service continues the trace.
 * The span holds the method, the service's address and the status, never the request's headers or body.
 */
export function askIdentityService(protocol: Protocol, token: string, options: CallOptions): Promise<Verdict> {
  const request = protocol.request(token);
  const { hostname, port, protocol: scheme } = new URL(options.url);
  const attributes = {
    'http.request.method': request.method,
    'server.address': hostname,
    'server.port': Number(port) || (scheme === 'https:' ? 443 : 80),
  };
  return inSpan(request.method, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    const traceHeaders: Record<string, string> = {};
    propagation.inject(context.active(), traceHeaders);
    const verdict = await call(protocol, request, options, traceHeaders, (status) => span.setAttribute('http.response.status_code', status));
    if (verdict.kind === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: verdict.failure.kind });
    return verdict;
  });
}

async function call(
  protocol: Protocol,
  request: OutgoingRequest,
  options: CallOptions,
  traceHeaders: Record<string, string>,
  onStatus: (status: number) => void,
): Promise<Verdict> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let answer: Answer;
  const send = () =>
    fetch(options.url, {
      method: request.method,
      headers: { ...request.headers, ...traceHeaders, ...(options.requestId ? { 'x-request-id': options.requestId } : {}) },
      ...(request.body === undefined ? {} : { body: request.body }),
      // A redirect would resend the token to wherever the service points; it is reported instead.
      redirect: 'manual',
      signal,
    });
  try {
    // A kept-alive connection the service (or a proxy) closed while idle fails on first use. Asking about
    // a token changes nothing, so it is asked once more on a fresh connection, within the same deadline.
    const response = await send().catch((e: unknown) => {
      if (signal.aborted || !isStaleConnection(e)) throw e;
      return send();
    });
    onStatus(response.status);
    const body = await readLimited(response, MAX_ANSWER_BYTES);
    if (body === undefined) {
      return { kind: 'failed', failure: { kind: 'violation', reason: `with a body larger than ${MAX_ANSWER_BYTES / 1024} KiB`, status: response.status } };
    }
    answer = { status: response.status, headers: response.headers, body };
  } catch (e) {
    return { kind: 'failed', failure: { kind: 'unavailable', reason: unreachable(e, options.timeoutMs) } };
  }
  let verdict: Verdict;
  try {
    verdict = protocol.interpret(answer);
  } catch {
    // Reading is written not to throw; should it anyway, the answer is a broken one, not a Formgate failure.
    verdict = { kind: 'failed', failure: { kind: 'violation', reason: 'at the top level: an answer Formgate could not read', status: answer.status } };
  }
  if (verdict.kind === 'failed' && verdict.failure.kind === 'violation') {
    return { kind: 'failed', failure: { ...verdict.failure, answer: shapeOf(answer.body, answer.headers.get('content-type'), protocol.members) } };
  }
  return verdict;
}

/** Why no answer came, in words fit for the caller: no host names, no URLs. */
function unreachable(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `the identity service did not answer within ${timeoutMs} ms`;
  }
  // The Fetch standard forbids some ports (9, 25, 6000, …); Node's fetch refuses them without trying.
  if (blockedPort(error)) return 'the identity service could not be called: its port is one the Fetch standard blocks; move it to another port';
  const failure = connectionFailure(error);
  if (failure !== undefined) return `the identity service could not be reached (${failure})`;
  return 'the identity service could not be reached (the connection failed)';
}
