/**
 * Flags + environment → typed, deeply frozen configurations, one resolver per command. Every resolver is
 * pure and returns the first problem found as a `ConfigError` whose message is one line naming the flag
 * and the fix. The vocabulary (domains, levels, protocols, log levels) and the settings types belong to
 * the features that use them; this folder only reads flags into them.
 */
export type { ConfigError } from './errors.ts';
export { formatConfigError } from './errors.ts';
export type { FlagSpec } from './flag-spec.ts';
export { CHECK_AUTH_OPTIONS, SERVE_OPTIONS, type FlagName } from './flags.ts';
export type { ConfigInput } from './input.ts';
export { camelName, envName } from './names.ts';
export { resolveConfig, type Config } from './serve.ts';
export { resolveMigrateConfig, type MigrateConfig } from './migrate.ts';
export { resolveCheckAuthConfig, type CheckAuthConfig, type TokenSource } from './check-auth.ts';
export type { SecretSource, WebConfig } from './web.ts';
export { MIN_SESSION_SECRET_LENGTH } from './web.ts';
