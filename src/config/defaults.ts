export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PGLITE_DIR = './.formgate/data';
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const MAX_MAX_BODY_BYTES = 1024 * 1024 * 1024;
/**
 * The calls in flight are what Formgate puts on the identity service at once, whatever callers send. 32 at
 * 50 ms a call is 640 new tokens a second per replica, where a real user costs one call per cache TTL
 * (60–300 s), and 32 connections is a load a small identity service (a few cores) serves without queueing.
 */
export const DEFAULT_AUTH_MAX_CALLS = 32;
export const DEFAULT_MAX_CONNECTIONS = 1000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
