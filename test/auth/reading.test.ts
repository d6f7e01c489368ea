import { describe, expect, it } from 'vitest';
import { describeShape, shapeOf, type AnswerShape } from '../../src/auth/answer-shape.ts';
import type { Freshness } from '../../src/auth/identity.ts';
import { parseRetryAfter } from '../../src/auth/protocols/protocol.ts';
import { describePath, readGroups } from '../../src/auth/read-answer.ts';
import { cacheTtl, parseCacheControl } from '../../src/auth/ttl.ts';
import { userIdProblem } from '../../src/auth/user-id.ts';

/** The pure rules behind reading an answer: how long it is kept, its headers, paths, groups, the user-id rule and what a log may say of a broken answer. */

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const LIMITS = { maxTtlS: 300, defaultTtlS: 60 };
const fresh = (f: Partial<Freshness>): Freshness => ({ noStore: false, ...f });

describe('cacheTtl', () => {
  it.each<[string, Partial<Freshness>, number, string]>([
    ['the body ttl', { ttlS: 30 }, 30_000, 'ttl'],
    ['Cache-Control max-age', { maxAgeS: 45 }, 45_000, 'max-age'],
    ['the time left to expiresAt', { expiresAtMs: NOW + 20_000, expiresAtField: 'expiresAt' }, 20_000, 'expiresAt'],
    ['the time left to exp', { expiresAtMs: NOW + 25_000, expiresAtField: 'exp' }, 25_000, 'exp'],
    ['an expiry whose field is not named, as expiresAt', { expiresAtMs: NOW + 10_000 }, 10_000, 'expiresAt'],
  ])('keeps an answer for %s alone', (_source, freshness, ms, decidedBy) => {
    expect(cacheTtl(fresh(freshness), NOW, LIMITS)).toEqual({ ms, decidedBy });
  });

  it.each<[string, Partial<Freshness>, number, string]>([
    ['ttl under max-age', { ttlS: 10, maxAgeS: 40 }, 10_000, 'ttl'],
    ['max-age under ttl', { ttlS: 40, maxAgeS: 10 }, 10_000, 'max-age'],
    ['expiresAt under ttl and max-age', { ttlS: 40, maxAgeS: 50, expiresAtMs: NOW + 5_000, expiresAtField: 'expiresAt' }, 5_000, 'expiresAt'],
    ['exp under max-age', { maxAgeS: 50, expiresAtMs: NOW + 7_000, expiresAtField: 'exp' }, 7_000, 'exp'],
    ['ttl under a distant expiry', { ttlS: 15, expiresAtMs: NOW + 3_600_000, expiresAtField: 'exp' }, 15_000, 'ttl'],
    ['a zero ttl under everything', { ttlS: 0, maxAgeS: 50, expiresAtMs: NOW + 7_000 }, 0, 'ttl'],
  ])('takes the smallest: %s', (_case, freshness, ms, decidedBy) => {
    expect(cacheTtl(fresh(freshness), NOW, LIMITS)).toEqual({ ms, decidedBy });
  });

  it.each<[string, Partial<Freshness>]>([
    ['a ttl', { ttlS: 3600 }],
    ['a max-age', { maxAgeS: 86_400 }],
    ['an expiry', { expiresAtMs: NOW + 3_600_000, expiresAtField: 'exp' }],
    ['all of them', { ttlS: 900, maxAgeS: 1200, expiresAtMs: NOW + 600_000 }],
  ])('never keeps longer than the maximum, whatever %s says', (_case, freshness) => {
    expect(cacheTtl(fresh(freshness), NOW, LIMITS)).toEqual({ ms: 300_000, decidedBy: 'max-ttl' });
  });

  it('keeps to the maximum exactly when a source names it', () => {
    expect(cacheTtl(fresh({ ttlS: 300 }), NOW, LIMITS)).toEqual({ ms: 300_000, decidedBy: 'ttl' });
  });

  it('uses the default when the answer names no lifetime', () => {
    expect(cacheTtl(fresh({}), NOW, LIMITS)).toEqual({ ms: 60_000, decidedBy: 'default' });
  });

  it('caps the default too', () => {
    expect(cacheTtl(fresh({}), NOW, { maxTtlS: 30, defaultTtlS: 60 })).toEqual({ ms: 30_000, decidedBy: 'max-ttl' });
  });

  it('keeps nothing under no-store, whatever else the answer says', () => {
    expect(cacheTtl({ noStore: true, ttlS: 60, maxAgeS: 60, expiresAtMs: NOW + 60_000 }, NOW, LIMITS)).toEqual({ ms: 0, decidedBy: 'no-store' });
    expect(cacheTtl({ noStore: true }, NOW, LIMITS)).toEqual({ ms: 0, decidedBy: 'no-store' });
  });

  it('keeps nothing once expiresAt has passed, even with a long ttl', () => {
    expect(cacheTtl(fresh({ ttlS: 120, expiresAtMs: NOW - 5_000, expiresAtField: 'expiresAt' }), NOW, LIMITS)).toEqual({ ms: 0, decidedBy: 'expiresAt' });
    expect(cacheTtl(fresh({ expiresAtMs: NOW - 1, expiresAtField: 'exp' }), NOW, LIMITS)).toEqual({ ms: 0, decidedBy: 'exp' });
  });

  it('keeps fractions of a second, rounded down to whole milliseconds', () => {
    expect(cacheTtl(fresh({ ttlS: 1.5 }), NOW, LIMITS)).toEqual({ ms: 1500, decidedBy: 'ttl' });
    expect(cacheTtl(fresh({ ttlS: 0.0009 }), NOW, LIMITS)).toEqual({ ms: 0, decidedBy: 'ttl' });
    expect(cacheTtl(fresh({ expiresAtMs: NOW + 1234.9 }), NOW, LIMITS)).toEqual({ ms: 1234, decidedBy: 'expiresAt' });
  });

  it('counts the time left from the clock it is given', () => {
    const expiry = fresh({ expiresAtMs: NOW + 100_000, expiresAtField: 'exp' });
    expect(cacheTtl(expiry, NOW + 40_000, LIMITS).ms).toBe(60_000);
    expect(cacheTtl(expiry, NOW + 100_000, LIMITS).ms).toBe(0);
  });
});

describe('parseCacheControl', () => {
  it('reads nothing from an absent or empty header', () => {
    expect(parseCacheControl(null)).toStrictEqual({ noStore: false });
    expect(parseCacheControl('')).toStrictEqual({ noStore: false });
  });

  it.each<[string, { maxAgeS?: number; noStore: boolean }]>([
    ['max-age=60', { maxAgeS: 60, noStore: false }],
    ['max-age=0', { maxAgeS: 0, noStore: false }],
    ['MAX-AGE=60', { maxAgeS: 60, noStore: false }],
    ['Max-Age=60', { maxAgeS: 60, noStore: false }],
    ['max-age="60"', { maxAgeS: 60, noStore: false }],
    ['no-store', { noStore: true }],
    ['No-Store', { noStore: true }],
    ['no-cache', { noStore: true }],
    ['NO-CACHE', { noStore: true }],
    ['private, no-store, max-age=60', { maxAgeS: 60, noStore: true }],
    ['public, max-age=120, must-revalidate, s-maxage=600, stale-while-revalidate=30', { maxAgeS: 120, noStore: false }],
    ['private, immutable', { noStore: false }],
    ['s-maxage=600', { noStore: false }],
    ['max-stale=600', { noStore: false }],
  ])('reads %j', (header, expected) => {
    expect(parseCacheControl(header)).toStrictEqual(expected);
  });

  it.each(['max-age=abc', 'max-age=-5', 'max-age=1.5', 'max-age=', 'max-age', 'max-age=60s', 'max-age=1e3', 'max-age="60'])(
    'counts the unreadable %j as max-age 0',
    (header) => {
      expect(parseCacheControl(header)).toStrictEqual({ maxAgeS: 0, noStore: false });
    },
  );

  it('counts a max-age too large to hold as 2^31 s, as RFC 9111 asks, so the configured maximum then decides', () => {
    expect(parseCacheControl('max-age=99999999999999')).toEqual({ maxAgeS: 2 ** 31, noStore: false });
  });

  it.each(['max-age=60, max-age=60', 'max-age=60, max-age=120', 'max-age=120,private,max-age=30'])('counts the repeated max-age in %j as 0', (header) => {
    expect(parseCacheControl(header)).toStrictEqual({ maxAgeS: 0, noStore: false });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2030, 0, 1, 12, 0, 0);

  it('reads nothing from an absent header', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it.each<[string, number]>([
    ['1', 1],
    ['120', 120],
    [' 45 ', 45],
    ['300', 300],
    ['0', 1],
    ['301', 300],
    ['86400', 300],
    ['99999999999999999999', 300],
  ])('reads delay-seconds %j as %i, within 1 s to 5 min', (value, seconds) => {
    expect(parseRetryAfter(value, now)).toBe(seconds);
  });

  it.each<[string, number]>([
    ['Tue, 01 Jan 2030 12:01:30 GMT', 90],
    ['Tue, 01 Jan 2030 12:00:01 GMT', 1],
    ['Tue, 01 Jan 2030 12:00:00 GMT', 1],
    ['Mon, 31 Dec 2029 23:00:00 GMT', 1],
    ['Tue, 01 Jan 2030 13:00:00 GMT', 300],
  ])('reads the HTTP-date %j as %i seconds from now, within 1 s to 5 min', (value, seconds) => {
    expect(parseRetryAfter(value, now)).toBe(seconds);
  });

  it('rounds a date a fraction of a second away up to the next whole second', () => {
    expect(parseRetryAfter('Tue, 01 Jan 2030 12:00:10 GMT', now - 400)).toBe(11);
  });

  it.each(['', '   ', 'soon', 'later please', '12abc', '1e3', '-5', '+5', '1.5', '2030-01-01'])('ignores the unreadable %j', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

describe('describePath', () => {
  it.each<[PropertyKey[], string]>([
    [[], 'the top level'],
    [['userId'], '.userId'],
    [['groups', 1], '.groups[1]'],
    [['realm_access', 'roles', 0], '.realm_access.roles[0]'],
    [['_private', '$ref'], '._private.$ref'],
    [[0], '[0]'],
    [[2, 'name'], '[2].name'],
    [['https://example.com/groups', 3], '."https://example.com/groups"[3]'],
    [['odd key'], '."odd key"'],
    [['1st'], '."1st"'],
    [[''], '.""'],
    [['say "hi"'], '."say \\"hi\\""'],
  ])('writes %j as %s', (path, text) => {
    expect(describePath(path)).toBe(text);
  });
});

describe('readGroups', () => {
  it.each<[string, Record<string, unknown>, string, string[]]>([
    ['an array claim', { groups: ['staff', 'reviewers'] }, 'groups', ['staff', 'reviewers']],
    ['an empty array', { groups: [] }, 'groups', []],
    ['a lone string, as one group', { groups: 'staff' }, 'groups', ['staff']],
    ['an absent claim, as no groups', { sub: 'u' }, 'groups', []],
    ['a null claim, as no groups', { groups: null }, 'groups', []],
    ['a nested path', { realm_access: { roles: ['a', 'b'] } }, 'realm_access.roles', ['a', 'b']],
    ['a deeply nested path', { a: { b: { c: 'only' } } }, 'a.b.c', ['only']],
    ['a nested path whose parent is absent', {}, 'realm_access.roles', []],
    ['a nested path whose parent is null', { realm_access: null }, 'realm_access.roles', []],
    ['a nested path whose parent is a string', { realm_access: 'roles' }, 'realm_access.roles', []],
    ['a nested path through an array', { realm_access: [{ roles: ['a'] }] }, 'realm_access.roles', []],
    ['a namespaced URL claim', { 'https://example.com/groups': ['staff'] }, 'https://example.com/groups', ['staff']],
    ['the exact dotted name over the nested path', { 'realm_access.roles': ['exact'], realm_access: { roles: ['nested'] } }, 'realm_access.roles', ['exact']],
  ])('reads %s', (_case, claims, claim, groups) => {
    expect(readGroups(claims, claim)).toEqual({ ok: true, value: groups });
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty.name'])('does not take the inherited %j for a claim', (claim) => {
    expect(readGroups({ sub: 'u' }, claim)).toEqual({ ok: true, value: [] });
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['an empty string', { groups: '' }, 'groups', 'at .groups: expected an array of non-empty strings'],
    ['a number', { groups: 3 }, 'groups', 'at .groups: expected an array of non-empty strings'],
    ['an object', { groups: { staff: true } }, 'groups', 'at .groups: expected an array of non-empty strings'],
    ['a number in the array', { groups: ['staff', 7] }, 'groups', 'at .groups[1]: expected a non-empty string'],
    ['an empty string in the array', { groups: [''] }, 'groups', 'at .groups[0]: expected a non-empty string'],
    ['a bad member of a nested claim', { realm_access: { roles: ['a', 'b', null] } }, 'realm_access.roles', 'at .realm_access.roles[2]: expected a non-empty string'],
    ['a bad member of a URL claim', { 'https://example.com/groups': [false] }, 'https://example.com/groups', 'at ."https://example.com/groups"[0]: expected a non-empty string'],
  ])('refuses %s, naming the path', (_case, claims, claim, error) => {
    expect(readGroups(claims, claim)).toEqual({ ok: false, error });
  });
});

describe('userIdProblem', () => {
  const rule = (id: string) => userIdProblem(id) ?? 'fine';
  const LENGTH = 'expected a user id of at most 255 characters (Unicode code points)';
  const CONTROL = /^expected a user id without control characters, line or paragraph separators or bidirectional controls \(found U\+[0-9A-F]{4}\)$/;

  it.each<[string, string]>([
    ['an ASCII id', 'alice'],
    ['an OIDC sub of digits', '248289761001'],
    ['255 ASCII characters', 'a'.repeat(255)],
    // U+1F600 is 2 UTF-16 units and 4 UTF-8 bytes: 255 of them are 510 units and 1,020 bytes.
    ['255 characters of 4 UTF-8 bytes each', '\u{1F600}'.repeat(255)],
    ['spaces inside and around', ' alice smith '],
    ['a zero-width joiner inside an emoji sequence', '\u{1F469}\u200d\u{1F4BB}'],
    ['a U+FEFF that does not lead', 'bob\ufeff'],
  ])('accepts %s', (_case, id) => {
    expect(rule(id)).toBe('fine');
  });

  it.each<[string, string]>([
    ['256 ASCII characters', 'a'.repeat(256)],
    ['256 characters of 4 UTF-8 bytes each', '\u{1F600}'.repeat(256)],
    ['255 emoji and one more ASCII character', `${'\u{1F600}'.repeat(255)}a`],
    ['200,000 characters', 'x'.repeat(200_000)],
  ])('refuses %s, naming the limit', (_case, id) => {
    expect(rule(id)).toBe(LENGTH);
  });

  it.each(['   ', '\u00a0', '\u3000\u2003', '\ufeff'])('refuses the blank id %j', (id) => {
    expect(rule(id)).toBe('expected a user id that is not only whitespace');
  });

  it.each<[string, string, string]>([
    ['U+0000', 'a\u0000b', 'U+0000'],
    ['a tab', 'a\tb', 'U+0009'],
    ['a line feed', 'alice\n{"level":"info"}', 'U+000A'],
    ['a carriage return', 'a\rb', 'U+000D'],
    ['an escape (terminal colours)', '\u001b[31mroot', 'U+001B'],
    ['DEL', 'a\u007f', 'U+007F'],
    ['a C1 control (NEL)', 'a\u0085b', 'U+0085'],
    ['the last C1 control', 'a\u009f', 'U+009F'],
    ['a line separator', 'a\u2028b', 'U+2028'],
    ['a paragraph separator', 'a\u2029b', 'U+2029'],
    ['a right-to-left override', 'admin\u202enimda', 'U+202E'],
    ['a right-to-left isolate', 'a\u2067b', 'U+2067'],
    ['a left-to-right mark', '\u200ealice', 'U+200E'],
    ['an Arabic letter mark', 'a\u061cb', 'U+061C'],
  ])('refuses an id with %s, naming the character', (_case, id, at) => {
    expect(rule(id)).toMatch(CONTROL);
    expect(rule(id)).toContain(`(found ${at})`);
  });

  it.each<[string, string]>([
    ['a lone high surrogate', 'a\ud800'],
    ['a lone low surrogate', '\udc00b'],
    ['a leading U+FEFF', '\ufeffbob'],
  ])('refuses %s, which storage would merge with another id', (_case, id) => {
    expect(rule(id)).toBe('expected a user id of well-formed text without a leading U+FEFF');
  });

  it('counts code points, not UTF-16 units: lone surrogates count one each, as they would in JSON Schema', () => {
    // 300 lone high surrogates: too long, whatever else is wrong with them.
    expect(rule('\ud800'.repeat(300))).toBe(LENGTH);
    expect(rule(`${'\u{1F600}'.repeat(254)}\ud800`)).toBe('expected a user id of well-formed text without a leading U+FEFF');
  });
});

describe('shapeOf', () => {
  const MEMBERS = ['userId', 'name', 'groups', 'error'];

  it.each<[string, string, string | null, AnswerShape]>([
    ['an empty body', '', null, { bytes: 0, contentType: 'none', json: 'empty' }],
    ['plain text', 'no route for token abc', 'text/plain; charset=utf-8', { bytes: 22, contentType: 'text/plain', json: 'not JSON' }],
    ['HTML', '<html>Sign in</html>', 'Text/HTML', { bytes: 20, contentType: 'text/html', json: 'not JSON' }],
    ['a JSON array', '[1,2]', 'application/json', { bytes: 5, contentType: 'application/json', json: 'array' }],
    ['a JSON string', '"alice"', 'application/json', { bytes: 7, contentType: 'application/json', json: 'string' }],
    ['JSON null', 'null', 'application/json', { bytes: 4, contentType: 'application/json', json: 'null' }],
    ['a JSON number', '42', 'application/json', { bytes: 2, contentType: 'application/json', json: 'number' }],
    ['an object', '{"userId":"","groups":[],"note":"x","other":1}', 'application/json', { bytes: 46, contentType: 'application/json', json: 'object', members: ['userId', 'groups'], otherMembers: 2 }],
    ['bytes, not characters', '"é"', 'application/json', { bytes: 4, contentType: 'application/json', json: 'string' }],
  ])('describes %s', (_case, body, type, shape) => {
    expect(shapeOf(body, type, MEMBERS)).toStrictEqual(shape);
  });

  it('names an unknown media type as other: the header could echo what Formgate sent', () => {
    const basic = Buffer.from('formgate:secret').toString('base64');
    expect(shapeOf('x', `Basic ${basic}`, MEMBERS).contentType).toBe('other');
    expect(shapeOf('x', `text/${basic}`, MEMBERS).contentType).toBe('other');
  });

  it('holds no value and no member name of the answer, whatever it echoes', () => {
    const token = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
    const forms = [token, Buffer.from(token).toString('base64'), Buffer.from(token).toString('base64url'), encodeURIComponent(token), token.slice(0, 20)];
    const bodies = [
      forms.join('\n'),
      JSON.stringify({ userId: token, name: forms[1], [token]: 1, [token.slice(0, 20)]: forms }),
      JSON.stringify(forms),
    ];
    for (const body of bodies) {
      const logged = JSON.stringify(shapeOf(body, 'application/json', MEMBERS)) + describeShape(shapeOf(body, 'application/json', MEMBERS));
      for (const form of forms) expect(logged).not.toContain(form);
      expect(logged).not.toContain(token.slice(0, 8));
    }
  });

  it('reads as words for check-auth', () => {
    expect(describeShape(shapeOf('{"userId":"","a":1,"b":2}', 'application/json', MEMBERS))).toBe('25 bytes of application/json, a JSON object with userId and 2 other members');
    expect(describeShape(shapeOf('{"x":1}', null, MEMBERS))).toBe('7 bytes of no declared type, a JSON object with none of the members Formgate reads and 1 other member');
    expect(describeShape(shapeOf('nope', 'application/weird', MEMBERS))).toBe('4 bytes of another type, not JSON');
    expect(describeShape(shapeOf('[]', 'application/json', MEMBERS))).toBe('2 bytes of application/json, a JSON array');
  });
});
