import { apiCaller, readAnswer, type ApiCaller, type ApiFetch } from './api-client.ts';
import type { Refresher } from './refresher.ts';
import type { SessionData } from './session.ts';

/** This request's session: what it started with, and what the response must write back when it changed. */
export class SessionHolder {
  changed = false;
  constructor(public current: SessionData | undefined) {}
  replace(next: SessionData | undefined): void {
    this.current = next;
    this.changed = true;
  }
}

/** Refresh when the access token has less than this left, so it does not expire on the way to the API. */
export const REFRESH_MARGIN_S = 30;

/**
 * The API as this person: their access token, refreshed before it runs out and once after a 401. When the
 * session cannot go on (refresh refused) it is cleared and the page gets a 401, which sends the person to
 * sign in and back; when the provider is down the page gets a 503 with its `Retry-After`.
 */
export function personApi(fetchApi: ApiFetch, holder: SessionHolder, refresher: Refresher | null, requestId: string | undefined): ApiCaller {
  let refreshed = false;
  const bearer = apiCaller(fetchApi, async () => holder.current?.accessToken, requestId);

  async function refresh(): Promise<Response | undefined> {
    const session = holder.current;
    if (session === undefined) return undefined;
    refreshed = true;
    const outcome = refresher === null ? ({ kind: 'rejected' } as const) : await refresher.refresh(session);
    if (outcome.kind === 'tokens') {
      holder.replace(outcome.session);
      return undefined;
    }
    if (outcome.kind === 'unavailable') return new Response(null, { status: 503, headers: { 'retry-after': String(outcome.retryAfterS) } });
    holder.replace(undefined);
    return new Response(null, { status: 401 });
  }

  const raw: ApiCaller['raw'] = async (method, path, options) => {
    const session = holder.current;
    if (session !== undefined && !refreshed && session.expiresAt - Date.now() / 1000 < REFRESH_MARGIN_S) {
      const stop = await refresh();
      if (stop !== undefined) return stop;
    }
    const response = await bearer.raw(method, path, options);
    if (response.status !== 401 || holder.current === undefined || refreshed) return response;
    // The provider may have revoked or shortened the token: one refresh, one more try.
    await response.body?.cancel().catch(() => {});
    const stop = await refresh();
    return stop ?? bearer.raw(method, path, options);
  };
  return { raw, call: async (method, path, options) => readAnswer(await raw(method, path, options)) };
}
