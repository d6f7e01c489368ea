import type { ProtectConfig } from '../auth/protection.ts';
import type { AuthConfig } from '../auth/settings.ts';
import type { DatabaseConfig } from '../db/target.ts';
import { LOG_LEVELS, type LogLevel } from '../logger.ts';
import type { Result } from '../result.ts';
import { authSettings } from './auth.ts';
import { database } from './database.ts';
import { DEFAULT_MAX_CONNECTIONS, DEFAULT_PORT, DEFAULT_REQUEST_TIMEOUT_MS } from './defaults.ts';
import { attempt, type ConfigError } from './errors.ts';
import type { ConfigInput } from './input.ts';
import { protect } from './protect.ts';
import { reader } from './reader.ts';
import { requireIdentityService } from './rules.ts';
import { apiTarget, halfEnabled } from './roles.ts';
import { webSettings, type WebConfig } from './web.ts';
import { choice, integer, listenHost, maxBody, nonEmpty } from './values.ts';

/** Everything `formgate serve` runs on. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseConfig;
  readonly formsPath: string;
  readonly protect: ProtectConfig;
  readonly auth: AuthConfig;
  readonly adminGroup: string;
  readonly logLevel: LogLevel;
  readonly maxBodyBytes: number;
  /** Connections served at once; a few beyond it are answered 503, the rest closed at once. */
  readonly maxConnections: number;
  /** The longest a client may take to send one request, headers and body. */
  readonly requestTimeoutMs: number;
  /** Whether this process serves the API (`--no-api`: the web client alone, talking to `web.api`). */
  readonly api: boolean;
  /** The web client; `null` with `--no-ui`. */
  readonly web: WebConfig | null;
}

/**
 * Flags + environment → one deeply frozen `Config`, or the first problem found. Pure: it reads nothing
 * but its input (no process.env, no file system, no exit).
 */
export function resolveConfig(input: ConfigInput): Result<Config, ConfigError> {
  return attempt(() => build(input));
}

function build(input: ConfigInput): Config {
  const r = reader(input.flags, input.env);

  const port = integer(r, 'port', DEFAULT_PORT, 0, 65535);
  const host = listenHost(r);
  const db = database(r);
  const formsPath = nonEmpty(r, 'forms', input.defaultFormsPath, 'the path of a form definitions file');
  const maxBodyBytes = maxBody(r);
  const maxConnections = integer(r, 'max-connections', DEFAULT_MAX_CONNECTIONS, 1, 1_000_000);
  const requestTimeoutMs = integer(r, 'request-timeout', DEFAULT_REQUEST_TIMEOUT_MS, 100, 3_600_000, ' (milliseconds)');
  const logLevel = choice(r, 'log-level', LOG_LEVELS, 'info');
  const { protect: prot, source: protectSource } = protect(r);
  const adminGroup = nonEmpty(r, 'admin-group', 'admin', 'a group name');

  const auth = authSettings(r);
  const halves = { api: halfEnabled(input.flags, input.env, 'api'), ui: halfEnabled(input.flags, input.env, 'ui') };
  const web = webSettings(r, apiTarget(r, halves), { host, port });

  // A web client alone asks no identity service: the API it talks to does.
  if (halves.api) requireIdentityService(prot, protectSource, auth);
  return { port, host, database: db, formsPath, protect: prot, auth, adminGroup, logLevel, maxBodyBytes, maxConnections, requestTimeoutMs, api: halves.api, web };
}
