/**
 * The rule for a user id: what documents record as their creator and what `*_own` permissions compare, so
 * two ids must never become one on the way into the database and back, and an id must fit its index and
 * a log line. An id that breaks the rule breaks the identity service's contract (a 502 naming the rule).
 */

/**
 * OIDC Core's limit for `sub`, counted in Unicode code points as JSON Schema's `maxLength` counts (so the
 * published contract and this check agree). At most 4 UTF-8 bytes each, 255 of them are 1,020 bytes: well
 * inside PostgreSQL's btree entry limit (~2,700 bytes) for `documents_form_creator_idx`, whose other
 * columns (a form name of at most 63 bytes and a UUID) add under 100.
 */
export const USER_ID_MAX_CHARS = 255;

/**
 * C0 controls, DEL and C1 controls (they end or rewrite log lines and terminals), the Unicode line and
 * paragraph separators (line breaks to JavaScript and many viewers), and the bidirectional controls, which
 * make one id display as another (the "Trojan Source" reordering). Other invisible format characters, such
 * as the zero-width joiner inside emoji sequences, are left alone: an id is opaque, not a name.
 */
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** What is wrong with a non-empty user id, as the expectation a 502 names; undefined when it is fine. */
export function userIdProblem(id: string): string | undefined {
  // Each code point is one or two UTF-16 units, so only lengths between the two bounds need counting.
  const chars = id.length <= USER_ID_MAX_CHARS ? id.length : id.length > 2 * USER_ID_MAX_CHARS ? Infinity : codePoints(id);
  if (chars > USER_ID_MAX_CHARS) return `expected a user id of at most ${USER_ID_MAX_CHARS} characters (Unicode code points)`;
  if (id.trim() === '') return 'expected a user id that is not only whitespace';
  const forbidden = FORBIDDEN.exec(id)?.[0];
  if (forbidden !== undefined) {
    const at = `U+${forbidden.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    return `expected a user id without control characters, line or paragraph separators or bidirectional controls (found ${at})`;
  }
  // PostgreSQL stores a lone surrogate as U+FFFD; PGlite drops a leading U+FEFF from the text it returns,
  // taking it for a byte-order mark. Either way two ids would become one and see each other's documents.
  if (!id.isWellFormed() || id.startsWith('\ufeff')) return 'expected a user id of well-formed text without a leading U+FEFF';
  return undefined;
}

function codePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point; a lone half counts as one, like `[...text]`.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}
