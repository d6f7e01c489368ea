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
/** jwt: clock skew between the provider and this machine; NTP keeps real skew far below it. */
export const DEFAULT_JWT_CLOCK_TOLERANCE_S = 30;
/** jwt: a day of provider outage rides on the keys already fetched; keys rotate over weeks, not hours. */
export const DEFAULT_JWKS_STALE_S = 86_400;
/** jwt: tokens naming an unknown kid cause at most one key set fetch per this many seconds. */
export const DEFAULT_JWKS_COOLDOWN_S = 30;
/**
 * jwt: a user's revocation is kept this long, so no token issued before it may live longer. A day covers
 * every provider's default access token lifetime (5 min to 24 h).
 */
export const DEFAULT_JWT_MAX_TOKEN_LIFETIME_S = 86_400;
