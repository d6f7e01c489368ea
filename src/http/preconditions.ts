import { ProblemError } from './problem.ts';

/** What If-Match asks for: no condition, any current version (`*`), or one of these versions. */
export type IfMatch = 'any' | readonly number[] | undefined;

/** A document's ETag is its version, quoted: strong, because any change of content makes a new version. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * Reads If-Match (RFC 9110 §13.1.1). Weak tags never match, because If-Match compares strongly;
 * a header that is not a list of entity tags is a malformed request.
 */
export function parseIfMatch(header: string | undefined): IfMatch {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return 'any';
  const versions: number[] = [];
  for (const part of value.split(',')) {
    const tag = part.trim();
    const strong = /^"(0|[1-9]\d{0,8})"$/.exec(tag);
    if (strong) versions.push(Number(strong[1]));
    else if (!/^W\/"[^"]*"$/.test(tag) && !/^"[^"]*"$/.test(tag)) {
      throw new ProblemError(400, 'If-Match must be "*" or a list of quoted ETags such as "3", as sent in the ETag header.');
    }
  }
  return versions;
}
