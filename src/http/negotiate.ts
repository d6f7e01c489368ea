import { parseAccept } from 'hono/utils/accept';

/**
 * Whether an Accept header prefers `wanted` to `usual` (RFC 9110 §12.5.1): each type gets the q of the most
 * specific range that matches it (`type/sub`, then `type/*`, then `*\/*`), 0 when none does. A tie goes to
 * `usual`, as does a missing header: a client asks for the other type on purpose, by weight, not by the
 * order it happened to list its types in.
 */
export function prefers(accept: string | undefined, wanted: string, usual: string): boolean {
  if (accept === undefined || accept.trim() === '') return false;
  const ranges = parseAccept(accept).map((range) => ({ type: range.type.toLowerCase(), q: range.q }));
  return quality(ranges, wanted) > quality(ranges, usual);
}

function quality(ranges: readonly { type: string; q: number }[], mediaType: string): number {
  const type = mediaType.toLowerCase();
  const main = type.split('/')[0];
  let best = { specificity: 0, q: 0 };
  for (const range of ranges) {
    const specificity = range.type === type ? 3 : range.type === `${main}/*` ? 2 : range.type === '*/*' ? 1 : 0;
    // Of several ranges as specific, the first counts; a later duplicate does not override it.
    if (specificity > best.specificity) best = { specificity, q: range.q };
  }
  return best.q;
}
