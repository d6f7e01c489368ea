import type { Logger } from 'pino';
import type { TokenChecker } from '../checker.ts';
import type { AuthConfig, JwtConfig } from '../settings.ts';

export interface JwtCheckerOptions {
  readonly logger: Logger;
  readonly now?: () => number;
}

/** `--auth-protocol jwt`: stub until the jwt work lands. */
export function jwtChecker(_auth: AuthConfig & { jwt: JwtConfig }, _options: JwtCheckerOptions): TokenChecker {
  throw new Error('--auth-protocol jwt is not built yet');
}
