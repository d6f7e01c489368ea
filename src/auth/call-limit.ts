import { err, ok, type Result } from '../result.ts';

/**
 * A bound on the calls Formgate has in flight to the identity service (`--auth-max-calls`). Without it a
 * caller sending made-up tokens decides how many calls the service gets at once, on open routes too.
 *
 * A call that finds every slot taken waits, first come first served, for at most `waitMs`; if none frees by
 * then it is refused, as a value, and never made. A freed slot passes straight to the longest waiter, so a
 * newcomer cannot take it from under someone who has been waiting.
 */
export interface CallLimit {
  run<T>(call: () => Promise<T>): Promise<Result<T, 'refused'>>;
  readonly max: number;
  /** Calls being made now, at most `max`. */
  readonly inFlight: number;
  /** Calls waiting for a slot now. */
  readonly waiting: number;
}

export function createCallLimit(max: number, waitMs: number): CallLimit {
  if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`a call limit must be a positive integer, not ${max}`);
  let inFlight = 0;
  // Insertion order is arrival order, and a waiter that gave up leaves in O(1).
  const waiters = new Set<() => void>();

  const acquire = (): Promise<boolean> | boolean => {
    if (inFlight < max) {
      inFlight++;
      return true;
    }
    return new Promise((resolve) => {
      const grant = () => {
        clearTimeout(timer);
        waiters.delete(grant);
        resolve(true);
      };
      const timer = setTimeout(() => {
        waiters.delete(grant);
        resolve(false);
      }, waitMs);
      waiters.add(grant);
    });
  };

  const release = () => {
    const next = waiters.values().next();
    if (next.done) inFlight--;
    else next.value();
  };

  return {
    async run(call) {
      if (!(await acquire())) return err('refused');
      try {
        return ok(await call());
      } finally {
        release();
      }
    },
    max,
    get inFlight() {
      return inFlight;
    },
    get waiting() {
      return waiters.size;
    },
  };
}
