import { context, propagation, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { inSpan } from '../../telemetry.ts';
import { blockedPort, connectionFailure, isStaleConnection } from '../../http/fetch-errors.ts';
import { readLimited } from '../../http/read-limited.ts';

/**
 * One GET of a public JSON document from the identity provider (its discovery document, its key set),
 * bounded like every identity-service call: one deadline for headers and body together, a size cap, no
 * redirect followed. Every failure is a value with a reason fit for a log line and a 503's detail: the
 * reasons name no URL (the caller's log line adds it), and never quote the body.
 */

/** A key set or discovery document larger than this is not one (real ones are a few KiB). */
export const MAX_DOCUMENT_BYTES = 256 * 1024;

export interface FetchJsonOptions {
  readonly timeoutMs: number;
  /** Aborts the fetch early (the key set stopping). */
  readonly signal?: AbortSignal;
  readonly maxBytes?: number;
}

export type Fetched =
  | { readonly ok: true; readonly body: unknown; readonly headers: Headers }
  | { readonly ok: false; readonly reason: string };

/** A CLIENT span per fetch, its `traceparent` sent along; the span holds the method, address and status. */
export function fetchJson(url: string, options: FetchJsonOptions): Promise<Fetched> {
  const { hostname, port, protocol } = new URL(url);
  const attributes = {
    'http.request.method': 'GET',
    'server.address': hostname,
    'server.port': Number(port) || (protocol === 'https:' ? 443 : 80),
  };
  return inSpan('GET', { kind: SpanKind.CLIENT, attributes }, async (span) => {
    const headers: Record<string, string> = { accept: 'application/jwk-set+json, application/json' };
    propagation.inject(context.active(), headers);
    const fetched = await get(url, headers, options, (status) => span.setAttribute('http.response.status_code', status));
    if (!fetched.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: fetched.reason });
    return fetched;
  });
}

async function get(url: string, headers: Record<string, string>, options: FetchJsonOptions, onStatus: (status: number) => void): Promise<Fetched> {
  const maxBytes = options.maxBytes ?? MAX_DOCUMENT_BYTES;
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal === undefined ? deadline : AbortSignal.any([deadline, options.signal]);
  // A redirect is reported, not followed: the deployer's URL is the one keys are trusted from.
  const send = () => fetch(url, { headers, redirect: 'manual', signal });
  let text: string | undefined;
  let response: Response;
  try {
    // A kept-alive connection closed while idle fails on first use; a GET is safe to send once more.
    response = await send().catch((e: unknown) => {
      if (signal.aborted || !isStaleConnection(e)) throw e;
      return send();
    });
    onStatus(response.status);
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {});
      return { ok: false, reason: statusReason(response) };
    }
    text = await readLimited(response, maxBytes);
  } catch (e) {
    return { ok: false, reason: unreachable(e, options, deadline) };
  }
  if (text === undefined) return { ok: false, reason: `a body larger than ${maxBytes / 1024} KiB` };
  try {
    return { ok: true, body: JSON.parse(text) as unknown, headers: response.headers };
  } catch {
    return { ok: false, reason: 'a body that is not JSON' };
  }
}

function statusReason(response: Response): string {
  if (response.status >= 300 && response.status < 400) {
    return `answered ${response.status}, a redirect, which is not followed: configure the URL its Location names`;
  }
  return `answered ${response.status}`;
}

function unreachable(error: unknown, options: FetchJsonOptions, deadline: AbortSignal): string {
  if (deadline.aborted) return `no whole answer within ${options.timeoutMs} ms (--auth-timeout)`;
  if (options.signal?.aborted) return 'the fetch was stopped';
  if (blockedPort(error)) return 'not callable: its port is one the Fetch standard blocks';
  const failure = connectionFailure(error);
  return `not reachable (${failure ?? 'the connection failed'})`;
}
