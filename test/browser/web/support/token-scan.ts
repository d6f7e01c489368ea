import type { BrowserContext, Response } from 'playwright-core';
import { cookieKey, isJwt, openCookie, tokensIn, withJoinedChunks } from './session-cookie.ts';

/**
 * Everything a browser session exposed: each URL it requested, each text body it was sent, each cookie
 * value it was given (from every Set-Cookie, so rotated cookies count too). At the end the session cookies
 * are opened with the test's own secret to learn the tokens they held, and no token — nor any 20-character
 * slice of one — may appear in any body, URL or cookie.
 */

const SLICE = 20;
const JWT_ANYWHERE = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;

export interface Exposure {
  /** Where it was seen: "HTML of …", "URL", "cookie NAME". */
  readonly where: string;
  readonly text: string;
}

export interface TokenScan {
  /** Waits for the bodies still being read, then opens the cookies and looks. */
  findings(context: BrowserContext, secret: string): Promise<{ tokens: number; jwts: number; opened: number; leaks: string[] }>;
}

export function recordExposures(context: BrowserContext): TokenScan {
  const exposures: Exposure[] = [];
  /** The cookies each response set, one list per response, so a session split over several cookies joins up. */
  const cookieBatches: { name: string; value: string }[][] = [];
  const reading: Promise<void>[] = [];

  context.on('request', (request) => exposures.push({ where: 'URL', text: request.url() }));
  context.on('response', (response) => reading.push(record(response)));

  async function record(response: Response): Promise<void> {
    const batch: { name: string; value: string }[] = [];
    for (const header of await response.headersArray().catch(() => [])) {
      if (header.name.toLowerCase() !== 'set-cookie') continue;
      // One header per cookie in headersArray; a value may be a joined list in some versions, so split on newlines.
      for (const line of header.value.split('\n')) {
        const [pair] = line.split(';');
        const eq = pair!.indexOf('=');
        if (eq > 0) batch.push({ name: pair!.slice(0, eq).trim(), value: pair!.slice(eq + 1).trim() });
      }
    }
    if (batch.length > 0) cookieBatches.push(batch);
    const type = (await response.headerValue('content-type').catch(() => null)) ?? '';
    if (response.status() >= 300 && response.status() < 400) return;
    if (!/^(text\/|application\/(json|problem\+json|javascript))/i.test(type)) return;
    const body = await response.text().catch(() => undefined);
    if (body !== undefined) exposures.push({ where: `${type.split(';')[0]} body of ${response.url()}`, text: body });
  }

  return {
    async findings(context, secret) {
      await Promise.all(reading);
      cookieBatches.push((await context.cookies()).map(({ name, value }) => ({ name, value })));
      const cookieValues = cookieBatches.flatMap(withJoinedChunks);
      const sessionKey = cookieKey(secret, 'session');
      const otherKeys = [cookieKey(secret, 'csrf'), cookieKey(secret, 'pages')];
      const tokens = new Set<string>();
      let opened = 0;
      for (const { value } of cookieValues) {
        const sealed = await openCookie(value, sessionKey);
        // A session holds an access token (a JWT); the sign-in attempt sealed with the same keys holds the
        // state and nonce, which rightly travel in URLs, and no JWT.
        const isSession = tokensIn(sealed, false).length > 0;
        if (isSession) opened += 1;
        for (const token of tokensIn(sealed, isSession)) tokens.add(token);
        for (const key of otherKeys) for (const token of tokensIn(await openCookie(value, key), false)) tokens.add(token);
      }
      const haystacks = [...exposures, ...cookieValues.map((c) => ({ where: `cookie ${c.name}`, text: c.value }))];
      // A token that is too short to slice would pass unseen: none should be.
      const short = [...tokens].filter((t) => t.length < SLICE);
      if (short.length > 0) throw new Error(`${short.length} token(s) shorter than ${SLICE} characters: the scan cannot look for them`);
      const leaks = findLeaks(tokens, haystacks);
      return { tokens: tokens.size, jwts: [...tokens].filter(isJwt).length, opened, leaks };
    },
  };
}

/**
 * Where any of `tokens`, or any 20-character slice of one, appears in `haystacks`, and every JWT-shaped
 * string at all (access and ID tokens are JWTs, whoever issued them). Reports name the place and the kind
 * of token, never the token.
 */
export function findLeaks(tokens: Iterable<string>, haystacks: readonly Exposure[]): string[] {
  const slices = new Map<string, string>();
  for (const token of tokens) {
    for (let i = 0; i + SLICE <= token.length; i += 1) slices.set(token.slice(i, i + SLICE), describeToken(token));
  }
  const leaks: string[] = [];
  for (const { where, text } of haystacks) {
    const jwt = JWT_ANYWHERE.exec(text);
    if (jwt) leaks.push(`${where}: a JWT`);
    for (let i = 0; i + SLICE <= text.length; i += 1) {
      const token = slices.get(text.slice(i, i + SLICE));
      if (token !== undefined) {
        leaks.push(`${where}: 20 characters of ${token} at offset ${i}`);
        break;
      }
    }
  }
  return leaks;
}

/** Names a token by kind and length only: the report never repeats it. */
function describeToken(token: string): string {
  return isJwt(token) ? `a JWT of ${token.length} characters` : `an opaque token of ${token.length} characters`;
}
