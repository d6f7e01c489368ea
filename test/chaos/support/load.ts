import { randomUUID } from 'node:crypto';

/**
 * A bounded load generator that remembers every request: when it started and ended (by this process's
 * clock, which the server shares), and what came back — a status with its headers and body, or the
 * connection error. Fault tests need that per-request record, which a benchmarking tool does not give:
 * they compare each outcome with the moment a fault began or ended, and every 201 with the database.
 *
 * Each lane is a number of workers running one kind of request in a loop. Every loop is bounded three
 * ways: by `stop()`, by a request count per worker, and by a deadline.
 */

export interface Outcome {
  readonly lane: string;
  /** The request's `tag`, e.g. which token it carried. */
  readonly tag?: string;
  /** Sent as `x-request-id`; Formgate passes it on to the identity service. */
  readonly requestId: string;
  readonly startedAt: number;
  readonly endedAt: number;
  /** Set when a whole response (headers and body) arrived. */
  readonly status?: number;
  readonly headers?: Headers;
  readonly body?: string;
  /** Set instead when no whole response arrived: the innermost error code (ECONNREFUSED, UND_ERR_SOCKET, …). */
  readonly error?: string;
}

export interface RequestSpec {
  readonly path: string;
  readonly init?: RequestInit;
  /** Kept on the outcome, so a test can group outcomes by it (say, by token). */
  readonly tag?: string;
}

export interface Lane {
  readonly name: string;
  readonly workers: number;
  /** The next request of worker `worker`; `n` counts that worker's requests from 0. */
  request(worker: number, n: number): RequestSpec;
  /** Pause between one worker's requests, so a lane loads the server without starving the machine. */
  readonly pauseMs?: number;
  /** A worker stops at its first connection error (the server is gone: nothing more to learn). */
  readonly stopOnError?: boolean;
}

export interface LoadOptions {
  readonly baseUrl: string;
  readonly lanes: readonly Lane[];
  /** Hard bounds: no worker sends more than this many requests, nor any after this many ms. */
  readonly maxRequestsPerWorker?: number;
  readonly maxDurationMs?: number;
  /** Per request; a request that takes longer is recorded as the error `TimeoutError`. */
  readonly requestTimeoutMs?: number;
}

export interface Load {
  readonly outcomes: Outcome[];
  /** Asks every worker to finish its current request and stop; resolves with every outcome. */
  stop(): Promise<Outcome[]>;
  /** Resolves once every worker has stopped by itself (errors, count or deadline). */
  finished(): Promise<Outcome[]>;
}

export function startLoad(options: LoadOptions): Load {
  const outcomes: Outcome[] = [];
  const deadline = Date.now() + (options.maxDurationMs ?? 60_000);
  const maxRequests = options.maxRequestsPerWorker ?? 5_000;
  const timeoutMs = options.requestTimeoutMs ?? 20_000;
  let stopped = false;

  const worker = async (lane: Lane, index: number) => {
    for (let n = 0; n < maxRequests && !stopped && Date.now() < deadline; n++) {
      const outcome = await send(options.baseUrl, lane, lane.request(index, n), timeoutMs);
      outcomes.push(outcome);
      if (outcome.error !== undefined && lane.stopOnError) return;
      if (lane.pauseMs) await new Promise((resolve) => setTimeout(resolve, lane.pauseMs));
    }
  };
  const all = Promise.all(options.lanes.flatMap((lane) => Array.from({ length: lane.workers }, (_, i) => worker(lane, i)))).then(() => outcomes);
  return {
    outcomes,
    stop: () => {
      stopped = true;
      return all;
    },
    finished: () => all,
  };
}

async function send(baseUrl: string, lane: Lane, spec: RequestSpec, timeoutMs: number): Promise<Outcome> {
  const requestId = randomUUID();
  const headers = new Headers(spec.init?.headers);
  headers.set('x-request-id', requestId);
  const startedAt = Date.now();
  const base = { lane: lane.name, requestId, startedAt, ...(spec.tag === undefined ? {} : { tag: spec.tag }) };
  try {
    const response = await fetch(`${baseUrl}${spec.path}`, { ...spec.init, headers, signal: AbortSignal.timeout(timeoutMs) });
    // A response counts only once its body is in: a connection cut mid-body is an error, not an answer.
    const body = await response.text();
    return { ...base, endedAt: Date.now(), status: response.status, headers: response.headers, body };
  } catch (e) {
    return { ...base, endedAt: Date.now(), error: errorCode(e) };
  }
}

/** fetch wraps socket errors (`TypeError: fetch failed`, cause …); the innermost code names what happened. */
export function errorCode(error: unknown): string {
  let code = 'unknown';
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const own = (e as { code?: unknown }).code;
    if (typeof own === 'string') code = own;
    else if (e.name === 'TimeoutError' || e.name === 'AbortError') code = e.name;
  }
  return code;
}

/** What came back, as a key for tallies: the status (`201`) or the error code (`ECONNREFUSED`). */
export const outcomeKey = (o: Outcome): string => (o.status !== undefined ? String(o.status) : o.error ?? 'unknown');

/** How many outcomes of each kind: `{ "201": 812, "503": 40 }`, keys sorted, for readable failures. */
export function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of outcomes.map(outcomeKey).sort()) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}

/** The distinct outcome kinds, sorted: what `expect(...).toEqual([...])` compares with the allowed set. */
export const kinds = (outcomes: readonly Outcome[]): string[] => Object.keys(tally(outcomes));

/** The document id in a 201's Location header. */
export function documentIdIn(location: string | null | undefined): string {
  const id = /\/documents\/([0-9a-f-]{36})$/.exec(location ?? '')?.[1];
  if (id === undefined) throw new Error(`a 201 without a document Location: ${location || '(none)'}`);
  return id;
}

export const createdId = (outcome: Outcome): string => documentIdIn(outcome.headers?.get('location'));

/** Polls `attempt` until it returns true; at most `tries` times, `everyMs` apart. Returns whether it did. */
export async function pollFor(attempt: () => Promise<boolean>, tries: number, everyMs: number): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await attempt().catch(() => false)) return true;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return false;
}
