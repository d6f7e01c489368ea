/**
 * A text field's `pattern`, matched in time linear in the text. V8's backtracking engine can take
 * exponential time on patterns such as ^([a-z]+\s?)+$, so every request would be at the mercy of
 * how a form author wrote a regex; RE2's automaton never backtracks. Clients still get the
 * ECMAScript source in the JSON Schema, and a pattern is accepted only if both engines read it and
 * it means the same to both (see pattern-syntax.ts).
 */
import { RE2JS, RE2JSException } from 're2js';
import { err, ok, type Result } from '../result.ts';
import { toRe2Syntax } from './pattern-syntax.ts';

export interface LinearPattern {
  /** Whether the pattern matches anywhere in `text` (JSON Schema patterns are not anchored). */
  test(text: string): boolean;
}

/**
 * RE2 simulates the automaton when its state cache is used up, at a cost per character that grows
 * with the program; this keeps that factor small. 2,000 is ten times what patterns for codes, ids and
 * phone numbers need, and room for a bounded repeat like .{0,500}.
 */
export const MAX_PATTERN_INSTRUCTIONS = 2000;

export function compilePattern(source: string): Result<LinearPattern, string> {
  const ecmaProblem = ecmaScriptProblem(source);
  if (ecmaProblem) return err(`is not a valid regular expression: ${ecmaProblem}`);
  const translated = toRe2Syntax(source);
  if (!translated.ok) return err(`is not supported: ${translated.error}`);
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(translated.value);
  } catch (e) {
    if (!(e instanceof RE2JSException)) throw e;
    // "error parsing regexp: invalid repeat count: `{1001}`": the part after the colon names the construct.
    return err(`is not supported by the linear-time matcher: ${e.message.replace(/^error parsing regexp: /, '')}`);
  }
  const size = compiled.programSize();
  if (size > MAX_PATTERN_INSTRUCTIONS) {
    return err(`is too complex to match quickly (${size} instructions, at most ${MAX_PATTERN_INSTRUCTIONS}); use smaller repeat counts`);
  }
  return ok({ test: (text) => compiled.test(text) });
}

/** Why a pattern is refused, or undefined when it can be used. */
export function patternProblem(source: string): string | undefined {
  const result = compilePattern(source);
  return result.ok ? undefined : result.error;
}

function ecmaScriptProblem(source: string): string | undefined {
  try {
    new RegExp(source, 'u');
    return undefined;
  } catch (e) {
    // V8 says "Invalid regular expression: /src/u: reason"; the source is already in the path's value.
    const text = e instanceof Error ? e.message : String(e);
    return text.slice(text.lastIndexOf(': ') + 2) || text;
  }
}
