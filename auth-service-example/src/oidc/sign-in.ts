import { createHash, randomBytes } from 'node:crypto';
import type { GrantedScopes } from './scopes.ts';

/** One person's sign-in at one client, as the code and every refresh token issued from it carry it. */
export interface SignIn {
  readonly clientId: string;
  /** The user's name: the `sub` of its tokens. */
  readonly subject: string;
  readonly scopes: GrantedScopes;
  /** When the password was checked, in seconds (the ID token's auth_time). */
  readonly authTimeS: number;
  /** The session id: the ID token's `sid`, which logout names to end the sign-in. */
  readonly sid: string;
}

/** 32 random bytes, base64url: codes, refresh tokens, session and request ids. */
export const randomToken = () => randomBytes(32).toString('base64url');

/**
 * How codes and refresh tokens are stored: a SHA-256, never the value. They are 256 random bits, so a
 * fast hash is enough (a slow one protects guessable secrets, which these are not).
 */
export const storageKey = (token: string) => createHash('sha256').update(token).digest('base64url');
