import type { Logger } from 'pino';
import type { DirectorySource } from '../directory/live.ts';
import type { SigningKey } from '../keys.ts';
import type { OidcSettings } from '../oidc/state.ts';
import type { VerifiedKeys } from '../verified-keys.ts';

/** What the app is built from; server.ts assembles it, tests assemble their own. */
export interface AppDeps {
  readonly directory: DirectorySource;
  readonly key: SigningKey;
  /** The `iss` of issued tokens, and the only one accepted on validation. */
  readonly issuer: string;
  readonly tokenTtlS: number;
  /** Milliseconds since the epoch; tests move it to expire tokens and keys without waiting. */
  readonly now: () => number;
  readonly logger: Logger;
  /** Service account keys that passed the argon2 check recently. */
  readonly verifiedKeys: VerifiedKeys;
  /** The sign-in flow's lifetimes and limits; each one left out takes its default. */
  readonly oidc?: Partial<OidcSettings>;
}

export type AppEnv = {
  Variables: {
    /** The subject identified by the request (who logged in, whose token was checked): never a credential. */
    principal?: string;
    /** Why a credential was refused, for the request's log line. */
    refusal?: string;
  };
};
