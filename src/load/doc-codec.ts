import { POSITIONS, setSpans, type Span } from './positions.js';

/**
 * A parsed document as JSON: its value, and the source offsets of every mapping and list in depth-first
 * order, as one JSON text (parsed only when a position is asked for: most runs ask for none).
 */
export interface EncodedDoc {
  index: number;
  span: Span;
  value: unknown;
  spans: string;
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
  return exact ? { index, span, value, spans: JSON.stringify(spans) } : undefined;
}

/** Attaches the offsets to every container of the value, in the order they were taken; false when they do not fit. */
export function attach(value: unknown, spans: unknown): boolean {
  if (!Array.isArray(spans)) return false;
  let next = 0;
  let fits = true;
  const walk = (node: unknown): void => {
    if (!fits || node === null || typeof node !== 'object') return;
    const offsets: unknown = spans[next++];
    const count = Array.isArray(node) ? node.length : Object.keys(node).length;
    if (!Array.isArray(offsets) || offsets.length !== count * 3 || !offsets.every((n) => typeof n === 'number')) {
      fits = false;
      return;
    }
    setSpans(node, offsets as number[]);
    for (const key in node) walk((node as Record<string, unknown>)[key]);
  };
  walk(value);
  return fits && next === spans.length;
}

/**
 * The document's value, its offsets attached when first asked for (JSON keeps the enumeration order of keys,
 * integer-like keys first, as the parser's objects have it). Offsets that do not fit the value (a damaged
 * entry that passed the checksum) leave it without positions: locations fall back to the document's start.
 */
export function decodeDoc(encoded: EncodedDoc): unknown {
  const value = encoded.value;
  if (value === null || typeof value !== 'object' || Object.getOwnPropertyDescriptor(value, POSITIONS)) return value;
  Object.defineProperty(value, POSITIONS, {
    configurable: true,
    enumerable: false,
    get(): number[] | undefined {
      // the walk replaces this getter on the root with the root's own offsets
      Object.defineProperty(value, POSITIONS, { value: undefined, configurable: true, enumerable: false });
      let spans: unknown;
      try {
        spans = JSON.parse(encoded.spans);
      } catch {
        spans = undefined;
      }
      attach(value, spans);
      return (value as { [POSITIONS]?: number[] })[POSITIONS];
    },
  });
  return value;
}
