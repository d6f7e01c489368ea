/**
 * Calls `report(count)` for the first event at once, then at most once per `everyMs` with the count since
 * the last report, so an attack cannot flood the log and no event goes unreported.
 */
export function summarised(everyMs: number, report: (count: number) => void): () => void {
  let pending = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (pending === 0) return;
    report(pending);
    pending = 0;
    // Unref'd: a report still owed must not keep a stopping process alive.
    timer = setTimeout(flush, everyMs).unref();
  };
  return () => {
    pending++;
    if (timer === undefined) flush();
  };
}
