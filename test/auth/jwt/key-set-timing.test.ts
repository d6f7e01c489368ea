import { describe, expect, it } from 'vitest';
import { LIFETIME_BOUNDS, lifetimeS, maxAgeS, retryAfterS, retryDelayS } from '../../../src/auth/jwt/key-set-timing.ts';
import { discoveryUrl } from '../../../src/auth/jwt/discovery.ts';

// The refresh policy's figures: what a provider's Cache-Control makes of the lifetime, and the pauses after failures.

describe('the lifetime from Cache-Control', () => {
  it.each([
    [null, undefined],
    ['public, max-age=600', 600],
    ['max-age="120", must-revalidate', 120],
    ['Max-Age=90', 90],
    ['no-cache', 0],
    ['max-age=600, no-store', 0],
    ['max-age=-1', undefined],
    ['max-age=abc', undefined],
    ['s-maxage=50', undefined],
  ])('%s → %s', (header, expected) => {
    expect(maxAgeS(header)).toBe(expected);
  });

  it('is bounded, less the Age a cache spent, and the default without a max-age', () => {
    const life = (h: Record<string, string>) => lifetimeS(new Headers(h), LIFETIME_BOUNDS);
    expect(life({})).toBe(300);
    expect(life({ 'cache-control': 'max-age=3600' })).toBe(3600);
    expect(life({ 'cache-control': 'max-age=3600', age: '600' })).toBe(3000);
    expect(life({ 'cache-control': 'max-age=3600', age: '3599' })).toBe(30);
    expect(life({ 'cache-control': 'no-store' })).toBe(30);
    expect(life({ 'cache-control': 'max-age=31536000' })).toBe(86400);
  });
});

describe('after failures', () => {
  it('waits 1 s, 2 s, 4 s … up to 60 s, and never longer than the lifetime', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => retryDelayS(n, 300))).toEqual([1, 2, 4, 8, 16, 32, 60, 60]);
    expect([1, 2, 3, 4].map((n) => retryDelayS(n, 3))).toEqual([1, 2, 3, 3]);
  });

  it('Retry-After is the time to the next fetch, 1 to 30 s', () => {
    expect([-5, 0, 200, 4500, 120_000].map(retryAfterS)).toEqual([1, 1, 1, 5, 30]);
  });
});

describe('the discovery address', () => {
  it('is the issuer less a trailing slash, then /.well-known/openid-configuration', () => {
    expect(discoveryUrl('https://id.example/realms/a')).toBe('https://id.example/realms/a/.well-known/openid-configuration');
    expect(discoveryUrl('https://tenant.auth0.com/')).toBe('https://tenant.auth0.com/.well-known/openid-configuration');
  });
});
