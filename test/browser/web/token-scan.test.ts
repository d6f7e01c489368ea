import { randomBytes } from 'node:crypto';
import { CompactEncrypt } from 'jose';
import { describe, expect, it } from 'vitest';
import { cookieKey, openCookie, tokensIn, withJoinedChunks } from './support/session-cookie.ts';
import { findLeaks } from './support/token-scan.ts';

/**
 * The browser tests' token scanner can fail: a token planted where it must not be, whole or in part, is
 * reported, and one that is only in the sealed session is not. Without these, a scanner that looked at
 * nothing would pass every session.
 */

const b64 = (bytes: number) => randomBytes(bytes).toString('base64url');
const JWT = `eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhbGljZSIsIm4iOiIke${b64(12)}In0.${b64(64)}`;
const REFRESH = b64(32);

describe('the token scanner', () => {
  it('reports a token in a page, a 20-character slice of one in a URL, and a JWT it was never told about', () => {
    const stranger = `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib2IifQ.${b64(40)}`;
    const leaks = findLeaks(
      [JWT, REFRESH],
      [
        { where: 'page A', text: `<p>${JWT}</p>` },
        { where: 'URL', text: `http://127.0.0.1:1/x?t=${REFRESH.slice(5, 25)}` },
        { where: 'page B', text: `<input value="${stranger}">` },
        { where: 'page C', text: `<p>${REFRESH.slice(0, 19)}</p>` },
      ],
    );
    expect(leaks).toHaveLength(4);
    expect(leaks.filter((l) => l.startsWith('page A'))).toHaveLength(2);
    expect(leaks.some((l) => l.startsWith('URL: 20 characters of an opaque token'))).toBe(true);
    expect(leaks).toContain('page B: a JWT');
    // Reports never repeat what they found.
    expect(leaks.join('\n')).not.toContain(REFRESH.slice(5, 25));
  });

  it('opens a session sealed as the web client seals it, and finds its access, refresh and ID tokens whatever its keys are called', async () => {
    const secret = b64(32);
    const payload = { v: { a: JWT, r: REFRESH, i: JWT.replace('eyJzdWIi', 'eyJhdWQi'), e: 1, n: 'Alice Example' }, exp: 2 };
    const sealed = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .encrypt(cookieKey(secret, 'session'));
    expect(await openCookie(sealed, cookieKey(secret, 'csrf'))).toBeUndefined();
    expect(await openCookie(sealed, cookieKey(b64(32), 'session'))).toBeUndefined();
    const opened = await openCookie(sealed, cookieKey(secret, 'session'));
    expect(tokensIn(opened, true).sort()).toEqual([JWT, REFRESH, payload.v.i].sort());
    // Outside a session only JWTs count: a CSRF cookie's random value is meant to reach the page.
    expect(tokensIn({ secret: REFRESH }, false)).toEqual([]);
    // The sealed value itself shows nothing of them.
    expect(findLeaks([JWT, REFRESH], [{ where: 'cookie fg-session', text: sealed }])).toEqual([]);
  });

  it('joins a value split over NAME, NAME.1, NAME.2 in order', () => {
    const joined = withJoinedChunks([
      { name: 's.2', value: 'C' },
      { name: 's', value: 'A' },
      { name: 's.1', value: 'B' },
      { name: 'other', value: 'x' },
    ]);
    expect(joined.find((c) => c.name === 's (joined)')?.value).toBe('ABC');
    expect(joined).toHaveLength(5);
  });
});
