/**
 * How many object members a JSON text holds, counted without parsing it. JSON.parse builds every member
 * it meets (a 1 MiB body of 87,000 keys costs about 100 ms to parse, then as much again to walk), while
 * this scan costs a few milliseconds per MiB and stops as soon as the count passes the limit.
 */
/** Far above any form (a document has one member per field), and JSON.parse builds this many in about 6 ms. */
export const MAX_JSON_MEMBERS = 10_000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/**
 * True when `text` has more than `limit` name/value separators outside strings. Every member has exactly
 * one, so for valid JSON this is the member count; for text that is not JSON the answer does not matter,
 * since the parser refuses it anyway.
 */
export function hasMoreMembersThan(text: string, limit: number): boolean {
  let members = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === COLON && ++members > limit) return true;
  }
  return false;
}
