/**
 * The `pattern` attribute for a text field, or none. The server matches its pattern unanchored with the
 * `u` flag; a browser matches the attribute as the whole value with the `v` flag (`^(?:…)$v`). So the
 * attribute is the server's pattern inside `[\s\S]*(?:…)[\s\S]*`, which matches the same values, and it is
 * given only when both the server's source and that wrapping compile with `v`: `v` is stricter about
 * characters in classes, and a pattern a browser cannot compile is ignored by it, silently. Where it is
 * left out, the server's 422 still says what is wrong.
 */
export function browserPattern(source: string): string | undefined {
  // Always wrapped, even when it starts with ^ and ends with $: `^a|b$` is not anchored at both ends.
  const attribute = `[\\s\\S]*(?:${source})[\\s\\S]*`;
  try {
    new RegExp(source, 'u');
    new RegExp(source, 'v');
    new RegExp(`^(?:${attribute})$`, 'v');
    return attribute;
  } catch {
    return undefined;
  }
}
