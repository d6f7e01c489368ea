/**
 * Health in the shape of draft-inadarei-api-health-check (`application/health+json`): `pass`, `warn` or
 * `fail` overall, and one entry per dependency with how long its check took. A check that is not critical
 * (the identity service while no domain needs a token) shows `warn` when it fails and leaves /health at 200.
 */
export interface HealthCheck {
  /** The key under `checks`, as `component:measurement`, e.g. `database:responseTime`. */
  readonly name: string;
  readonly componentType: string;
  readonly critical: boolean;
  /** Never throws: `probe()` turns any failure into a `fail` outcome. */
  run(): Promise<CheckOutcome>;
}

export interface CheckOutcome {
  /**
   * `warn`: working, but not as configured (a forms file that could not be re-read). Its owner logged the
   * problem when it happened, so unlike `fail` it is not logged again on every look at /health.
   */
  readonly status: 'pass' | 'warn' | 'fail';
  readonly durationMs: number;
  /** When the check ran (a cached outcome keeps its own time). */
  readonly time: string;
  /** Public: which kind of failure. */
  readonly output?: string;
  /** For the log only: the cause, which may name internal hosts. */
  readonly reason?: string;
  /** What the check measures when it is not its own duration (the key set's age); unset: `durationMs` in ms. */
  readonly observedValue?: number;
  readonly observedUnit?: 's';
}

const CHECK_TIMEOUT_MS = 3000;

class CheckTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

/** Runs one check with a deadline: a dependency that hangs must not hang /health, so a slow answer is a failure. */
export async function probe(run: () => Promise<void>, timeoutMs = CHECK_TIMEOUT_MS): Promise<CheckOutcome> {
  const started = performance.now();
  const time = new Date().toISOString();
  let failure: Pick<CheckOutcome, 'output' | 'reason'> | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new CheckTimeout(timeoutMs)), timeoutMs);
      }),
    ]);
  } catch (e) {
    // /health is public: a driver's message can name internal hosts and users, so it goes to the log only.
    const reason = e instanceof Error ? e.message : String(e);
    failure = { output: e instanceof CheckTimeout ? e.message : 'the check failed', reason };
  } finally {
    clearTimeout(timer);
  }
  const durationMs = Math.round((performance.now() - started) * 10) / 10;
  return { status: failure === undefined ? 'pass' : 'fail', durationMs, time, ...failure };
}

/**
 * A check whose outcome is reused for `keepMs`, and shared by concurrent callers, so polling /health
 * cannot turn into load on the dependency.
 */
export function cachedProbe(run: () => Promise<CheckOutcome>, keepMs: number, now: () => number = Date.now): () => Promise<CheckOutcome> {
  let last: { at: number; outcome: Promise<CheckOutcome> } | undefined;
  return () => {
    if (last === undefined || now() - last.at >= keepMs) last = { at: now(), outcome: run() };
    return last.outcome;
  };
}

/** A dependency's own health endpoint: GET, and any 2xx is a pass (a redirect is not followed: it is a fail). */
export async function endpointAnswers(url: string, timeoutMs: number): Promise<void> {
  const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/health+json, application/json, */*' } });
  await response.body?.cancel();
  if (response.status < 200 || response.status > 299) throw new Error(`the health endpoint answered ${response.status}`);
}

export interface EndpointCheckOptions {
  /** The key under `checks`, e.g. `api:responseTime`. */
  readonly name: string;
  readonly url: string;
  readonly timeoutMs: number;
  readonly critical: boolean;
  /** How long one look is reused, so polling /health is not load on the dependency. */
  readonly keepMs: number;
  readonly now?: () => number;
}

/** A dependency's health endpoint as a check: probed with a deadline, the outcome shared and reused for `keepMs`. */
export function endpointCheck(options: EndpointCheckOptions): HealthCheck {
  const run = cachedProbe(() => probe(() => endpointAnswers(options.url, options.timeoutMs), options.timeoutMs), options.keepMs, options.now);
  return { name: options.name, componentType: 'component', critical: options.critical, run };
}
