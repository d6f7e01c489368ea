/**
 * How much structure a JSON text holds, counted without parsing it. JSON.parse builds every object, array
 * and member it meets (a 1 MiB body of 87,000 keys, or of 350,000 empty objects, costs about 100 ms to
 * parse), while this scan costs a few milliseconds per MiB and stops as soon as the count passes the limit.
 */

/** Far above any form (a document is one object with a member per field), and parsed in about 6 ms. */
export const MAX_JSON_NODES = 10_000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;

/**
 * True when `text` has more than `limit` objects, arrays and object members together, outside strings
 * (each member has exactly one name/value colon). For text that is not JSON the answer does not matter,
 * since the parser refuses it anyway.
 */
export function hasMoreNodesThan(text: string, limit: number): boolean {
  let nodes = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if ((c === COLON || c === OPEN_BRACE || c === OPEN_BRACKET) && ++nodes > limit) return true;
  }
  return false;
}
