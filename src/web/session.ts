import type { Context } from 'hono';
import { z } from 'zod';
import type { CookieJar } from './cookies.ts';
import { seal, unseal, type SealKeys } from './seal.ts';

/**
 * The session: a person's tokens, sealed (JWE, A256GCM) into HttpOnly cookies. Nothing of it reaches a
 * page; the pages see only `Person`. A sealed session is about 1.4 × the tokens' size, so it is cut into
 * chunks of a size every browser keeps (`fg-session`, `fg-session.1`, …). The ID token is not kept: sign-out
 * names the client, not the token, so no token travels in a URL.
 */
export interface SessionData {
  readonly accessToken: string;
  readonly refreshToken?: string;
  /** When the access token expires, in seconds since the epoch. */
  readonly expiresAt: number;
  readonly name?: string;
}

const Sealed = z.object({
  a: z.string().min(1),
  r: z.string().min(1).optional(),
  e: z.number(),
  n: z.string().optional(),
});

export const SESSION_COOKIE = 'fg-session';
/** How long a session lasts without a visit that renews it; the refresh token's own lifetime may end it sooner. */
export const SESSION_MAX_AGE_S = 14 * 24 * 3600;
const CHUNK_CHARS = 3800;
const MAX_CHUNKS = 4;

const chunkName = (i: number) => (i === 0 ? SESSION_COOKIE : `${SESSION_COOKIE}.${i}`);

export async function readSession(c: Context, jar: CookieJar, keys: SealKeys): Promise<SessionData | undefined> {
  let sealed = '';
  for (let i = 0; i < MAX_CHUNKS; i++) {
    const part = jar.get(c, chunkName(i));
    if (part === undefined) break;
    sealed += part;
  }
  if (sealed === '') return undefined;
  const parsed = Sealed.safeParse(await unseal(sealed, keys));
  if (!parsed.success) return undefined;
  const s = parsed.data;
  return {
    accessToken: s.a,
    expiresAt: s.e,
    ...(s.r !== undefined ? { refreshToken: s.r } : {}),
    ...(s.n !== undefined ? { name: s.n } : {}),
  };
}

/** Sets the session's cookies (or clears them for `undefined`); a chunk the new value does not use is cleared. */
export async function writeSession(c: Context, jar: CookieJar, keys: SealKeys, session: SessionData | undefined): Promise<void> {
  let chunks: string[] = [];
  if (session !== undefined) {
    chunks = split(await sealSession(session, keys));
    // Tokens this large are no session a browser keeps: the person is signed out rather than half signed in.
    if (chunks.length > MAX_CHUNKS) chunks = [];
  }
  for (let i = 0; i < MAX_CHUNKS; i++) {
    const chunk = chunks[i];
    if (chunk !== undefined) jar.set(c, chunkName(i), chunk, SESSION_MAX_AGE_S);
    else if (jar.get(c, chunkName(i)) !== undefined) jar.clear(c, chunkName(i));
  }
}

function sealSession(s: SessionData, keys: SealKeys): Promise<string> {
  const body: z.infer<typeof Sealed> = { a: s.accessToken, e: s.expiresAt };
  if (s.refreshToken !== undefined) body.r = s.refreshToken;
  if (s.name !== undefined) body.n = s.name;
  return seal(body, keys, SESSION_MAX_AGE_S);
}

function split(value: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < value.length; i += CHUNK_CHARS) out.push(value.slice(i, i + CHUNK_CHARS));
  return out;
}
