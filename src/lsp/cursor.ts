import { parsePolicyYaml, type PolicyDoc } from '../load/yaml.js';
import { spanOf, toPointer } from '../load/positions.js';
import { SourceFile } from '../util/source-file.js';

/** What the cursor is on: a key or a value, its path from the document root, and the document's value. */
export interface CursorTarget {
  doc: PolicyDoc;
  /** Keys and indices from the document root to the key or value under the cursor. */
  path: string[];
  part: 'key' | 'value';
  /** The scalar under the cursor, when it is one. */
  value: unknown;
}

/** The document of `text` (a policy file) and the key or value at `offset`; undefined between documents. */
export function targetAt(shown: string, text: string, offset: number): CursorTarget | undefined {
  const { docs } = parsePolicyYaml(new SourceFile(shown, text));
  const doc = docs.find((d) => offset >= d.span[0] && offset <= d.span[2]);
  if (!doc) return undefined;
  const path: string[] = [];
  let node: unknown = doc.value;
  for (;;) {
    if (node === null || typeof node !== 'object') return { doc, path, part: 'value', value: node };
    let next: { key: string; part: 'key' | 'value' } | undefined;
    for (const key of Array.isArray(node) ? node.map((_, i) => String(i)) : Object.keys(node)) {
      const span = spanOf(node, key);
      if (!span) continue;
      if (!Array.isArray(node) && offset >= span[0] && offset <= span[0] + key.length && offset < span[1]) {
        next = { key, part: 'key' };
        break;
      }
      if (offset >= span[1] && offset <= span[2]) {
        next = { key, part: 'value' };
        break;
      }
    }
    if (!next) return { doc, path, part: 'value', value: node };
    path.push(next.key);
    const child = (node as Record<string, unknown>)[next.key];
    if (next.part === 'key') return { doc, path, part: 'key', value: next.key };
    node = child;
  }
}

/** The JSON pointer of a cursor target's path. */
export function pointerOf(target: CursorTarget): string {
  return toPointer(target.path);
}

/** The document's `kind`, when it names one. */
export function kindOf(doc: PolicyDoc): string | undefined {
  const kind = (doc.value as { kind?: unknown } | null)?.kind;
  return typeof kind === 'string' ? kind : undefined;
}

/** LSP position (0-based line and UTF-16 character) → offset in `text`. */
export function offsetAt(text: string, line: number, character: number): number {
  let offset = 0;
  for (let l = 0; l < line; l++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  const lineEnd = text.indexOf('\n', offset);
  return Math.min(offset + character, lineEnd < 0 ? text.length : lineEnd);
}
