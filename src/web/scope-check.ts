import type { ApiFetch } from './api-client.ts';

export interface ScopeCheckLog {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

export interface ScopeCheckOptions {
  /** Tries while the API cannot be reached, then a warning that the names went unchecked. */
  readonly attempts?: number;
  readonly intervalMs?: number;
  readonly signal?: AbortSignal;
}

/** The names of `--ui-forms` that are not among `known`: each is a typo or a form the API dropped. */
export function unknownForms(scope: readonly string[], known: readonly string[]): string[] {
  const have = new Set(known);
  return scope.filter((name) => !have.has(name));
}

export function warnUnknownForms(log: ScopeCheckLog, unknown: readonly string[]): void {
  if (unknown.length === 0) return;
  log.warn({ forms: unknown }, `--ui-forms names ${unknown.length === 1 ? 'a form' : 'forms'} the API does not have (${unknown.join(', ')}): ${unknown.length === 1 ? 'it is' : 'they are'} shown nowhere; check the spelling against GET /api/v1/forms`);
}

/**
 * A web client apart from its API learns the API's forms by asking, as an anonymous caller: once the
 * API answers. An API that lists forms only to signed-in callers (`--protect forms=all`) cannot be asked,
 * and that is said once, not retried.
 */
export async function checkFormScope(api: ApiFetch, scope: readonly string[], log: ScopeCheckLog, options: ScopeCheckOptions = {}): Promise<void> {
  const attempts = options.attempts ?? 12;
  const intervalMs = options.intervalMs ?? 5000;
  for (let attempt = 1; attempt <= attempts && options.signal?.aborted !== true; attempt++) {
    const answer = await api('/api/v1/forms', { method: 'GET', headers: { accept: 'application/json' } }).catch(() => undefined);
    if (answer !== undefined && answer.status < 500) {
      const body = (await answer.json().catch(() => null)) as { items?: { name?: unknown }[] } | null;
      if (answer.status === 200 && Array.isArray(body?.items)) {
        warnUnknownForms(log, unknownForms(scope, body.items.map((f) => String(f.name))));
        return;
      }
      if (answer.status === 401 || answer.status === 403) {
        log.info({ status: answer.status }, '--ui-forms: the API lists its forms only to signed-in callers, so the names were not checked; a name it lacks is shown nowhere');
      } else {
        log.warn({ status: answer.status }, `--ui-forms: GET /api/v1/forms answered ${answer.status}, not the forms: is --api-url the Formgate API's base URL?`);
      }
      return;
    }
    await answer?.body?.cancel().catch(() => {});
    if (attempt < attempts) await pause(intervalMs, options.signal);
  }
  if (options.signal?.aborted !== true) log.warn({ attempts }, '--ui-forms: the API could not be reached to check the names; a name it lacks is shown nowhere');
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
