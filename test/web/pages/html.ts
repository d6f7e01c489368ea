/**
 * Just enough HTML reading for the page tests. hono/jsx writes every attribute value in double quotes with
 * `"`, `<` and `>` escaped, so a start tag ends at the first `>` and an attribute at the next `"`.
 */
export interface Tag {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
}

const START_TAG = /<([a-z][a-z0-9]*)((?:\s+[a-z-]+(?:="[^"]*")?)*)\s*\/?>/gi;
const ATTRIBUTE = /([a-z-]+)(?:="([^"]*)")?/gi;

export function tags(html: string): Tag[] {
  return [...html.matchAll(START_TAG)].map((m) => ({
    name: (m[1] ?? '').toLowerCase(),
    attributes: Object.fromEntries([...(m[2] ?? '').matchAll(ATTRIBUTE)].map((a) => [a[1] ?? '', decode(a[2] ?? '')])),
  }));
}

/** The one start tag with this id; throws when there is none or more than one. */
export function byId(html: string, id: string): Tag {
  const found = tags(html).filter((t) => t.attributes.id === id);
  if (found.length !== 1) throw new Error(`expected one element #${id}, found ${found.length}`);
  return found[0] as Tag;
}

export function hasId(html: string, id: string): boolean {
  return tags(html).some((t) => t.attributes.id === id);
}

/** Every start tag with this name and attribute value. */
export function withAttribute(html: string, name: string, value: string): Tag[] {
  return tags(html).filter((t) => t.attributes[name] === value);
}

export function decode(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');
}

/** The text of the <title>. */
export function title(html: string): string {
  return decode(/<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '');
}

/** The inner HTML of the element with this id (no nesting of the same tag inside it). */
export function innerOf(html: string, id: string): string {
  const tag = byId(html, id).name;
  const start = html.search(new RegExp(`<${tag}\\b[^>]*\\bid="${id}"`));
  const open = html.indexOf('>', start) + 1;
  return html.slice(open, html.indexOf(`</${tag}>`, open));
}

/** A page's <main>, where the pages put everything of theirs. */
export function mainOf(html: string): string {
  const start = html.indexOf('<main id="main">');
  return html.slice(start, html.indexOf('</main>', start));
}
