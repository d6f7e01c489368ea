import type { ApiCaller } from './api-client.ts';

/** Who is looking at a page, as far as the pages need to know. No token is ever part of it. */
export interface Person {
  /** Signed in with a session that still holds tokens. */
  readonly signedIn: boolean;
  /** What to call them (the ID token's name or preferred_username), when signed in. */
  readonly name?: string;
  /** Sign-in is configured (`--ui-issuer`); without it every visitor is anonymous. */
  readonly signInAvailable: boolean;
}

/** What the web client's middleware puts on every request for the pages. */
export interface WebVariables {
  /** The API, called as this person (their access token, refreshed when needed) or anonymously. */
  api: ApiCaller;
  person: Person;
  /** The value of the hidden `_csrf` field every POST form of this response must carry. */
  csrfToken: string;
  /** Keys sealing the web client's cookies (first seals, all open): for the pages' own short-lived cookies. */
  sealKeys: readonly Uint8Array[];
  /** Whether this web client offers a form (`--ui-forms`); the API may have more. */
  offers: (form: string) => boolean;
}

export type WebEnv = { Variables: WebVariables };
