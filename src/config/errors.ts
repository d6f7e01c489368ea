import { deepFreeze } from '../freeze.ts';
import { err, ok, type Result } from '../result.ts';
import type { Raw } from './input.ts';
import { envName } from './names.ts';

export interface ConfigError {
  /** The flag at fault, kebab-case without dashes (`port`, `auth-url`, `protect`, …). */
  flag: string;
  /** One line: names the flag and the fix. Never contains the client secret. */
  message: string;
}

/** One line for stderr. */
export function formatConfigError(e: ConfigError): string {
  return `formgate: invalid configuration: ${e.message.replace(/\s*[\r\n]+\s*/g, ' ')}`;
}

/**
 * Parsers stop at the first problem by throwing this; `attempt` turns it back into a value, so nothing
 * outside `config/` ever sees the throw.
 */
class Failure extends Error {
  constructor(readonly configError: ConfigError) {
    super(configError.message);
  }
}

const SECRET_FLAGS: ReadonlySet<string> = new Set(['auth-client-secret', 'ui-client-secret', 'ui-session-secret']);

/** The value as shown in a message: quoted, escaped, credentials hidden, shortened. */
export function show(value: string): string {
  // `user:pw@host` is credentials with or without a scheme before it (`postgres://…`, or a bare `u:pw@db:5432`).
  const redacted = value.replace(/(^|\/\/)[^/?#@\s]*@/g, '$1***@');
  const short = redacted.length > 80 ? redacted.slice(0, 77) + '...' : redacted;
  return JSON.stringify(short);
}

export function where(flag: string): string {
  return `(flag --${flag} or ${envName(flag)})`;
}

export function fail(flag: string, message: string): never {
  throw new Failure({ flag, message });
}

/** `--port: expected …, got "abc" from FORMGATE_PORT (flag --port or FORMGATE_PORT)` */
export function invalid(flag: string, expected: string, raw: Raw): never {
  const got = SECRET_FLAGS.has(flag) ? '' : `, got ${show(raw.value)}${raw.source === 'env' ? ` from ${envName(flag)}` : ''}`;
  return fail(flag, `--${flag}: expected ${expected}${got} ${where(flag)}`);
}

/** Runs a resolver: its deeply frozen result, or the first problem it found. */
export function attempt<T>(make: () => T): Result<T, ConfigError> {
  try {
    return ok(deepFreeze(make()));
  } catch (e) {
    if (e instanceof Failure) return err(e.configError);
    throw e;
  }
}
