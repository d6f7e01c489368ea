/**
 * Rewrites an ECMAScript `u`-mode pattern (JSON Schema's `pattern` flavour) into RE2 syntax with the
 * same meaning, or says which construct has no linear-time equivalent. The input must already compile
 * as `new RegExp(source, 'u')`: this reads a valid pattern, it does not re-validate one.
 *
 * Every literal that is not a letter or digit is written as `\x{…}`, so no character can take on a
 * meaning RE2 gives it and ECMAScript does not (`[[:alpha:]]`, `\Q`, `(?P<…>)`). The escapes whose
 * meanings differ are spelled out: ECMAScript's `\s` and `.` know Unicode spaces and line ends, RE2's do not.
 */
import { err, ok, type Result } from '../result.ts';

// ECMAScript WhiteSpace and LineTerminator (ECMA-262 §22.2.2.9, CharacterClassEscape `s`).
const SPACE = '\\x{9}-\\x{d}\\x{20}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}';
const NOT_SPACE =
  '\\x{0}-\\x{8}\\x{e}-\\x{1f}\\x{21}-\\x{9f}\\x{a1}-\\x{167f}\\x{1681}-\\x{1fff}\\x{200b}-\\x{2027}' +
  '\\x{202a}-\\x{202e}\\x{2030}-\\x{205e}\\x{2060}-\\x{2fff}\\x{3001}-\\x{fefe}\\x{ff00}-\\x{10ffff}';
// Without the `s` flag, `.` stops at every LineTerminator, not only at \n.
const DOT = '[^\\x{a}\\x{d}\\x{2028}\\x{2029}]';
const ANY = '\\x{0}-\\x{10ffff}';
const SINGLE_ESCAPES: Readonly<Record<string, number>> = { f: 0xc, n: 0xa, r: 0xd, t: 0x9, v: 0xb, '0': 0 };
const PROPERTY_PREFIX = /^(?:gc|General_Category|sc|Script)=/;

const hex = (code: number): string => `\\x{${code.toString(16)}}`;
const literal = (code: number): string => (/^[A-Za-z0-9]$/.test(String.fromCodePoint(code)) ? String.fromCodePoint(code) : hex(code));

class Unsupported extends Error {}

export function toRe2Syntax(source: string): Result<string, string> {
  try {
    return ok(new Reader(source).pattern());
  } catch (e) {
    if (e instanceof Unsupported) return err(e.message);
    throw e;
  }
}

class Reader {
  private i = 0;
  constructor(private readonly s: string) {}

  pattern(): string {
    let out = '';
    while (this.i < this.s.length) out += this.term();
    return out;
  }

  private term(): string {
    const c = this.next();
    switch (c) {
      case '\\':
        return this.escape(false);
      case '[':
        return this.characterClass();
      case '(':
        return this.group();
      case '.':
        return DOT;
      case '{':
        // In `u` mode a brace is only ever a quantifier, {n}, {n,} or {n,m}; RE2 writes them alike.
        return '{' + this.until('}') + '}';
      case ')':
      case '|':
      case '*':
      case '+':
      case '?':
      case '^':
      case '$':
        return c;
      default:
        return literal(c.codePointAt(0)!);
    }
  }

  private group(): string {
    if (this.s[this.i] !== '?') return '(?:';
    const rest = this.s.slice(this.i);
    if (rest.startsWith('?:')) {
      this.i += 2;
      return '(?:';
    }
    if (rest.startsWith('?=') || rest.startsWith('?!')) throw new Unsupported('lookahead, (?= and (?!, cannot be matched in linear time');
    if (rest.startsWith('?<=') || rest.startsWith('?<!')) throw new Unsupported('lookbehind, (?<= and (?<!, cannot be matched in linear time');
    if (rest.startsWith('?<')) {
      // A named group matches like any other; only backreferences (refused below) could tell them apart.
      this.i += 2;
      this.until('>');
      return '(?:';
    }
    throw new Unsupported('inline modifiers such as (?i:…) are not supported');
  }

  private characterClass(): string {
    const negated = this.s[this.i] === '^';
    if (negated) this.i++;
    let body = '';
    // Whether the last item was a single character that a following `-` would make the start of a range.
    let rangeStart = false;
    while (this.s[this.i] !== ']') {
      const c = this.next();
      if (c === '-' && rangeStart && this.s[this.i] !== ']') {
        body += '-';
        rangeStart = false;
        continue;
      }
      const item = c === '\\' ? this.escape(true) : literal(c.codePointAt(0)!);
      // After `a-`, this item ends the range; a class escape (\d) cannot start one in `u` mode.
      rangeStart = !body.endsWith('-') && isSingle(item);
      body += item;
    }
    this.i++;
    if (body === '') return negated ? `[${ANY}]` : `[^${ANY}]`;
    return `[${negated ? '^' : ''}${body}]`;
  }

  private escape(inClass: boolean): string {
    const c = this.next();
    switch (c) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
        return '\\' + c;
      case 's':
        return inClass ? SPACE : `[${SPACE}]`;
      case 'S':
        return inClass ? NOT_SPACE : `[${NOT_SPACE}]`;
      case 'b':
        // Inside a class \b is a backspace; outside, both engines mean an ASCII word boundary.
        return inClass ? hex(8) : '\\b';
      case 'B':
        return '\\B';
      case 'c':
        return hex(this.next().charCodeAt(0) % 32);
      case 'x':
        return hex(parseInt(this.take(2), 16));
      case 'u':
        return hex(this.unicodeEscape());
      case 'p':
      case 'P':
        return this.property(c);
      case 'k':
        throw new Unsupported('backreferences such as \\k<name> cannot be matched in linear time');
      default:
        if (Object.hasOwn(SINGLE_ESCAPES, c)) return hex(SINGLE_ESCAPES[c]!);
        if (/^[1-9]$/.test(c)) throw new Unsupported(`backreferences such as \\${c} cannot be matched in linear time`);
        // What is left is an escaped syntax character (\. \/ \-), which means itself.
        return hex(c.codePointAt(0)!);
    }
  }

  private unicodeEscape(): number {
    if (this.s[this.i] === '{') {
      this.i++;
      return parseInt(this.until('}'), 16);
    }
    const code = parseInt(this.take(4), 16);
    // `u` mode reads \uD83D\uDE00 as one code point, as it does the two characters it stands for.
    if (code >= 0xd800 && code <= 0xdbff && /^\\u[dD][c-fC-F][0-9a-fA-F]{2}/.test(this.s.slice(this.i, this.i + 6))) {
      const low = parseInt(this.s.slice(this.i + 2, this.i + 6), 16);
      this.i += 6;
      return (code - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
    }
    return code;
  }

  private property(kind: 'p' | 'P'): string {
    this.i++; // `{`
    const name = this.until('}');
    if (name.includes('=') && !PROPERTY_PREFIX.test(name)) {
      throw new Unsupported(`the Unicode property \\${kind}{${name}} is not supported; use a General_Category or Script`);
    }
    // RE2 names categories and scripts without a prefix (\p{Lu}, \p{Greek}) and knows no long category names.
    return `\\${kind}{${name.replace(PROPERTY_PREFIX, '')}}`;
  }

  /** One code point (a surrogate pair counts as one, as in `u` mode). */
  private next(): string {
    const code = this.s.codePointAt(this.i)!;
    const c = String.fromCodePoint(code);
    this.i += c.length;
    return c;
  }

  private take(n: number): string {
    const out = this.s.slice(this.i, this.i + n);
    this.i += n;
    return out;
  }

  /** The text up to `end`, consuming `end`. */
  private until(end: string): string {
    const at = this.s.indexOf(end, this.i);
    const out = this.s.slice(this.i, at);
    this.i = at + 1;
    return out;
  }
}

function isSingle(item: string): boolean {
  return /^(?:[A-Za-z0-9]|[^\\]|\\x\{[0-9a-f]+\})$/u.test(item);
}
