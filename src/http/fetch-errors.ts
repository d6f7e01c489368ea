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

/** The Fetch standard forbids some ports (9, 25, 6000, …); Node's fetch refuses them without trying. */
export function blockedPort(error: unknown): boolean {
  return causes(error).some((cause) => cause.message === 'bad port');
}

/** Why the connection failed, in words and code (`connection refused, ECONNREFUSED`); undefined when no cause says. */
export function connectionFailure(error: unknown): string | undefined {
  for (const cause of causes(error)) {
    const code = errorCode(cause);
    if (code !== undefined && CONNECTION_ERRORS[code]) return `${CONNECTION_ERRORS[code]}, ${code}`;
  }
  return undefined;
}

const CONNECTION_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'no answer in time',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate could not be verified',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate does not match the host name',
};
