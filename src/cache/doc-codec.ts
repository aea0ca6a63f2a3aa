import { POSITIONS, setSpans, type Span } from '../load/positions.js';

/** A parsed document as JSON: its value, and the source offsets of every mapping and list in depth-first order. */
export interface EncodedDoc {
  index: number;
  span: Span;
  value: unknown;
  spans: number[][];
}

/** The value and offsets of a parsed document; undefined when JSON cannot carry it exactly (a -0). */
export function encodeDoc(index: number, span: Span, value: unknown): EncodedDoc | undefined {
  const spans: number[][] = [];
  let exact = true;
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') {
      if (Object.is(node, -0)) exact = false;
      return;
    }
    spans.push((node as { [POSITIONS]?: number[] })[POSITIONS] ?? []);
    for (const key in node) walk((node as Record<string, unknown>)[key]);
  };
  walk(value);
  return exact ? { index, span, value, spans } : undefined;
}

/**
 * The document's value with its offsets attached again, walked in the order they were taken (JSON keeps the
 * enumeration order of keys, integer-like keys first, as the parser's objects have it); undefined when the
 * offsets do not fit the value, as in a damaged cache.
 */
export function decodeDoc(encoded: EncodedDoc): unknown | undefined {
  let next = 0;
  let fits = true;
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const offsets = encoded.spans[next++];
    const count = Array.isArray(node) ? node.length : Object.keys(node).length;
    if (!Array.isArray(offsets) || offsets.length !== count * 3) {
      fits = false;
      return;
    }
    // decoded before (a long-running language server reuses entries): the offsets are already attached
    if ((node as { [POSITIONS]?: number[] })[POSITIONS] !== offsets) setSpans(node, offsets);
    for (const key in node) walk((node as Record<string, unknown>)[key]);
  };
  walk(encoded.value);
  return fits && next === encoded.spans.length ? encoded.value : undefined;
}
