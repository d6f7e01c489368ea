/**
 * The web client's only way to the API: HTTP requests to `/api/v1/…` through a fetch function. In one
 * process the host passes the API app's own fetch (no socket); apart, a fetch to `--api-url`.
 */
export type ApiFetch = (path: string, init: RequestInit) => Promise<Response>;

export type ApiMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface ApiCallOptions {
  /** Sent as `application/json`. */
  readonly json?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** An API answer with its body read: JSON (problem or value) parsed, anything else as `null`. */
export interface ApiAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

export interface ApiCaller {
  /** A JSON call. Never throws for an HTTP status; an unreachable API is a 503-like answer (status 503). */
  call(method: ApiMethod, path: string, options?: ApiCallOptions): Promise<ApiAnswer>;
  /** The response itself, unread (the CSV download streams it through). */
  raw(method: ApiMethod, path: string, options?: ApiCallOptions & { readonly accept?: string }): Promise<Response>;
}

/** `Authorization` for a person's token, or nothing for an anonymous visitor. */
export type TokenSource = () => Promise<string | undefined>;

const UNREACHABLE_RETRY_S = 5;

export function apiCaller(fetchApi: ApiFetch, token: TokenSource, requestId: string | undefined): ApiCaller {
  async function raw(method: ApiMethod, path: string, options: ApiCallOptions & { accept?: string } = {}): Promise<Response> {
    const headers = new Headers(options.headers);
    headers.set('accept', options.accept ?? 'application/json');
    if (requestId !== undefined) headers.set('x-request-id', requestId);
    const bearer = await token();
    if (bearer !== undefined) headers.set('authorization', `Bearer ${bearer}`);
    let body: string | undefined;
    if (options.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(options.json);
    }
    try {
      return await fetchApi(path, { method, headers, ...(body !== undefined ? { body } : {}) });
    } catch {
      // The API could not be reached at all: the pages show it as the API's own 503 would be shown.
      return new Response(null, { status: 503, headers: { 'retry-after': String(UNREACHABLE_RETRY_S) } });
    }
  }
  return {
    raw,
    call: async (method, path, options) => readAnswer(await raw(method, path, options)),
  };
}

/** A response with its body read: JSON (problem or value) parsed, anything else dropped as `null`. */
export async function readAnswer(response: Response): Promise<ApiAnswer> {
  const type = response.headers.get('content-type') ?? '';
  if (!/^application\/([a-z.+-]*\+)?json/i.test(type)) {
    await response.body?.cancel().catch(() => {});
    return { status: response.status, headers: response.headers, body: null };
  }
  const text = await response.text().catch(() => undefined);
  // The answer broke off (the API went away, or its deadline passed mid-body): shown as the API unreachable.
  if (text === undefined) return { status: 503, headers: new Headers({ 'retry-after': String(UNREACHABLE_RETRY_S) }), body: null };
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: response.status, headers: response.headers, body };
}
