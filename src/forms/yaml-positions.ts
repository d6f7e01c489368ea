/** Maps a path in the parsed data back to the YAML text, so an error can point at the line to edit. */
import { isAlias, isMap, isNode, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export interface Position {
  line: number;
  column: number;
}

/**
 * `at: 'key'` points at a map key (an unknown or badly named key); otherwise at the value. When the
 * path runs out (a missing key), the nearest existing key stands in: "contact:" for a missing title.
 */
export function positionOf(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
  at: 'key' | 'value',
): Position | undefined {
  let node: unknown = doc.contents;
  let key: Node | undefined;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    let next: { key: unknown; value: unknown } | undefined;
    if (isMap(node)) {
      next = node.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === String(segment));
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item !== undefined) next = { key: item, value: item };
    }
    if (!next) return start(key ?? node, lineCounter);
    key = isNode(next.key) ? next.key : undefined;
    node = next.value;
  }
  // An empty value ("min:") has no text of its own; its key is where the eye goes.
  const valueIsEmpty = !isNode(node) || (isScalar(node) && node.value === null);
  return start(at === 'key' || valueIsEmpty ? (key ?? node) : node, lineCounter);
}

export function positionAt(offset: number, lineCounter: LineCounter): Position {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

function start(node: unknown, lineCounter: LineCounter): Position | undefined {
  return isNode(node) && node.range ? positionAt(node.range[0], lineCounter) : undefined;
}
