import { describe, expect, it } from 'vitest';
import { compileForm } from '../../src/forms/index.ts';
import { compilePattern, MAX_PATTERN_INSTRUCTIONS } from '../../src/forms/pattern.ts';

/** The pattern as the server matches it; throws when it is refused. */
function linear(source: string) {
  const compiled = compilePattern(source);
  if (!compiled.ok) throw new Error(`${source} ${compiled.error}`);
  return compiled.value;
}

function refusal(source: string): string {
  const compiled = compilePattern(source);
  if (compiled.ok) throw new Error(`${source} was accepted`);
  return compiled.error;
}

// Texts that tell the two engines' readings of \s, ., classes, escapes and anchors apart.
const TEXTS = [
  '', 'a', 'abc', 'ABC', 'a b', 'a\tb', 'a\u00a0b', 'a\u2028b', 'a\u3000b', '\ufeff', 'a\nb', 'a\rb', 'a\vb',
  '12345', 'AB12345', 'x-y', 'x]y', 'x[y', 'a.b', 'a/b', 'a\\b', 'Élodie', 'élodie', 'Ωmega', '😀', 'a😀b', '\u0008',
  'line\n', '\nline', 'a{2}', 'aa', 'a^b', 'a$b', 'a|b', 'caret^', '*', '+?', '(x)', ':alpha:', 'tab\there',
];

describe('a pattern means what it means in ECMAScript (u flag)', () => {
  const PATTERNS = [
    '^[A-Z]{2}\\d{5}$', '\\d', '^\\p{Lu}', '\\p{Script=Greek}', '\\p{gc=Ll}+$', '\\P{L}', '^([a-zA-Z0-9]+\\s?)+$',
    '\\s', '\\S', '^\\S+$', '[\\s]', '[^\\s]', '[\\S]', '^.$', '^.+$', 'a.b', '^[^]$', '[]', '^[\\b]$', '\\bb', '\\Bb',
    '[-a]', '[a-]', '[a\\-z]', '[a-c-e]', '[\\]x]', '[\\[]', '[[:a]', '\\.', '\\/', '\\\\', '\\^', '\\$', '\\|',
    '^\\u00c9', '\\u{1F600}', '\\uD83D\\uDE00', '\\x41', '\\cI', '\\t', '[\\t\\v]', '\\0', 'a{2}', 'a{1,}', '^a{0,2}$',
    '(?:ab|c)+', '(?<word>\\w+) ', 'a+?b', '^$', '$^', '^line$', '^(a|)$', '[^a-z]', '[\\d\\W]', '\\w\\W', ':alpha:',
  ];
  for (const source of PATTERNS) {
    it(source, () => {
      const ecma = new RegExp(source, 'u');
      const ours = linear(source);
      for (const text of TEXTS) expect(ours.test(text), JSON.stringify(text)).toBe(ecma.test(text));
    });
  }
});

describe('\\s, \\S and . agree with ECMAScript on every character where Unicode puts spaces and line ends', () => {
  const codes = [...Array(0x3100).keys(), 0xfeff, 0xfffe, 0x10000, 0x1f600, 0x10ffff];
  for (const source of ['^\\s$', '^\\S$', '^.$', '^[\\s]$', '^[\\S]$', '^[^\\s]$']) {
    it(source, () => {
      const ecma = new RegExp(source, 'u');
      const ours = linear(source);
      const differ = codes.filter((code) => ours.test(String.fromCodePoint(code)) !== ecma.test(String.fromCodePoint(code)));
      expect(differ.map((code) => code.toString(16))).toEqual([]);
    });
  }
});

describe('patterns the linear-time matcher cannot run are refused, saying why', () => {
  it('backreferences and lookaround', () => {
    expect(refusal('(a)\\1')).toBe('is not supported: backreferences such as \\1 cannot be matched in linear time');
    expect(refusal('(?<x>a)\\k<x>')).toBe('is not supported: backreferences such as \\k<name> cannot be matched in linear time');
    expect(refusal('^(?=.*\\d)\\w+$')).toBe('is not supported: lookahead, (?= and (?!, cannot be matched in linear time');
    expect(refusal('a(?!b)')).toMatch(/^is not supported: lookahead/);
    expect(refusal('(?<=a)b')).toBe('is not supported: lookbehind, (?<= and (?<!, cannot be matched in linear time');
    expect(refusal('(?<!a)b')).toMatch(/^is not supported: lookbehind/);
  });

  it('Unicode properties RE2 does not know, and huge repeats', () => {
    expect(refusal('\\p{Letter}')).toMatch(/^is not supported by the linear-time matcher: .*\\p\{Letter\}/);
    expect(refusal('\\p{Script_Extensions=Greek}')).toMatch(/^is not supported: the Unicode property/);
    expect(refusal('a{1001}')).toMatch(/^is not supported by the linear-time matcher: invalid repeat count/);
    expect(refusal('[a-z]{1000}[0-9]{1000}x')).toMatch(new RegExp(`^is too complex to match quickly \\(\\d+ instructions, at most ${MAX_PATTERN_INSTRUCTIONS}\\)`));
  });

  it('what ECMAScript itself refuses, as before', () => {
    expect(refusal('[a-')).toMatch(/^is not a valid regular expression: \S/);
    expect(refusal('\\Q')).toMatch(/^is not a valid regular expression/);
  });
});

describe('matching cost', () => {
  it('a value built for backtracking is answered at once, and a length bound stops it before the pattern', () => {
    const form = compileForm({ name: 'f', title: 'F', fields: { v: { type: 'text', pattern: '^([a-zA-Z0-9]+\\s?)+$' } } });
    const bounded = compileForm({ name: 'f', title: 'F', fields: { v: { type: 'text', maxLength: 10, pattern: '^([a-zA-Z0-9]+\\s?)+$' } } });
    const started = Date.now();
    // V8 needs minutes for the first one; a generous "not stuck" bound.
    expect(form.validate({ v: 'a'.repeat(40) + '!' })).toMatchObject({ ok: false, error: [{ message: 'must match the pattern ^([a-zA-Z0-9]+\\s?)+$' }] });
    expect(form.validate({ v: 'ab '.repeat(100_000) })).toMatchObject({ ok: true });
    expect(bounded.validate({ v: 'a'.repeat(40) + '!' })).toEqual({ ok: false, error: [{ path: '/v', message: 'must be at most 10 characters long' }] });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('keeps the ECMAScript source in the JSON Schema', () => {
    const form = compileForm({ name: 'f', title: 'F', fields: { v: { type: 'text', required: true, maxLength: 9, pattern: '^\\s?x$' } } });
    expect((form.jsonSchema.properties as Record<string, unknown>).v).toEqual({ type: 'string', minLength: 1, maxLength: 9, pattern: '^\\s?x$' });
  });
});
