import { AUTH_FLAGS } from './auth-flags.ts';
import { envHint, type FlagSpec } from './flag-spec.ts';
import { SERVER_FLAGS } from './server-flags.ts';
import { WEB_FLAGS } from './web-flags.ts';

/** Every `serve` flag, keyed by kebab-case name. Numeric flags are `type: 'string'` on purpose. */
export const SERVE_OPTIONS = { ...SERVER_FLAGS, ...AUTH_FLAGS, ...WEB_FLAGS } as const satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof SERVE_OPTIONS;

/** The flags `formgate check-auth` takes: the identity-service ones, and the token to try. */
export const CHECK_AUTH_OPTIONS = {
  ...AUTH_FLAGS,
  token: {
    describe: 'the bearer token to validate (FORMGATE_TOKEN or --token-stdin keep it out of the process list)' + envHint('token'),
    type: 'string',
    defaultDescription: 'none',
  },
  'token-stdin': {
    describe: 'read the token from standard input instead',
    type: 'boolean',
    defaultDescription: 'false',
  },
} as Record<string, FlagSpec>;
