// Errors that mean "the database is not reachable right now" rather than "this query is wrong".
// They become 503 responses, and the pool reconnects on its own once the server is back.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  '53300', // too_many_connections
  '57P01', // admin_shutdown (pg_terminate_backend, restart)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up or shutting down)
]);

export function isDatabaseUnavailable(error: unknown): boolean {
  return causeChain(error).some((e) => {
    const code = e.code;
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
    return e instanceof Error && /PGlite is closed/i.test(e.message);
  });
}

/** An error and its causes, outermost first, a few deep: drizzle wraps the driver's errors in its own. */
export function causeChain(error: unknown): ({ code?: unknown; severity?: unknown } & object)[] {
  const chain: object[] = [];
  for (let e: unknown = error; e && typeof e === 'object' && chain.length < 5; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}
