/**
 * What a failed `fetch` was, read from the errors it wraps (fetch wraps the socket's error in its own):
 * for the callers of other services, which retry a stale kept-alive connection and say why no answer came.
 */

/** The error and its causes, outermost first, a few deep. */
export function causes(error: unknown): Error[] {
  const chain: Error[] = [];
  for (let cause = error; chain.length < 4 && cause instanceof Error; cause = cause.cause) chain.push(cause);
  return chain;
}

export function errorCode(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

const STALE_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/** A kept-alive connection the other side closed while idle: it fails on first use. */
export function isStaleConnection(error: unknown): boolean {
  return causes(error).some((cause) => STALE_CONNECTION.has(errorCode(cause) ?? ''));
}
