/**
 * `.dockerignore` as Docker reads it: one pattern a line, `#` comments, paths from the context root (a
 * leading `/` changes nothing), `*` and `?` within one path segment, `**` across any number of segments,
 * `!` re-includes. A path is excluded by a pattern that matches it or any of its parent directories, and
 * the last pattern that matches decides.
 */

interface Rule {
  readonly pattern: string;
  readonly negated: boolean;
  readonly re: RegExp;
}

export interface DockerIgnore {
  /** The pattern that leaves `path` (relative to the context root) out of the build context, if any. */
  excludedBy(path: string): string | undefined;
}

export function parseDockerIgnore(text: string): DockerIgnore {
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = clean(negated ? line.slice(1).trim() : line);
    if (pattern !== '') rules.push({ pattern, negated, re: toRegExp(pattern) });
  }
  return {
    excludedBy(path) {
      const parts = clean(path).split('/');
      const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
      let decided: Rule | undefined;
      for (const rule of rules) {
        if (candidates.some((c) => rule.re.test(c))) decided = rule;
      }
      return decided !== undefined && !decided.negated ? decided.pattern : undefined;
    },
  };
}

/** `./a//b/` → `a/b`, `/x` → `x`. */
function clean(p: string): string {
  return p
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}

function toRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` may also match no directory at all: `**/x` matches `x`.
      const slash = pattern[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += escape(pattern[++i]!);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        re += '[' + pattern.slice(i + 1, end).replace(/^!/, '^') + ']';
        i = end;
      }
    } else re += escape(c);
  }
  return new RegExp(`^${re}$`);
}

function escape(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
