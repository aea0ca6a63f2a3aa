import { pointerSegments } from '../util/pointer.js';

export { pointerSegments, toPointer } from '../util/pointer.js';

/**
 * Source positions of converted YAML values, kept beside the plain values instead of in a retained AST:
 * every object and array made from YAML carries, under a symbol, the offsets of its keys and values as one
 * flat number array — three numbers per key (in key order) or per item. A fleet has millions of keys, so
 * this is far leaner than a map of small arrays.
 */
export const POSITIONS: unique symbol = Symbol('tollgate.positions');

/** [key start, value start, value end] character offsets; for array items the key start is the item start. */
export type Span = readonly [keyStart: number, valueStart: number, valueEnd: number];

interface Positioned {
  [POSITIONS]?: number[];
}

/** Records the spans of a container's keys (in insertion order) or items: three offsets each. */
export function setSpans(container: object, offsets: number[]): void {
  Object.defineProperty(container, POSITIONS, { value: offsets, enumerable: false });
}

/**
 * Records the spans of a mapping's keys given in the order they were written: an object lists integer-like
 * keys first, so when it has any, the offsets are put in the object's own key order.
 */
export function setMappingSpans(map: object, keys: readonly string[], offsets: number[]): void {
  if (!keys.some(isIndexLike)) {
    setSpans(map, offsets);
    return;
  }
  const at = new Map(keys.map((key, i) => [key, i]));
  const ordered: number[] = [];
  for (const key in map) {
    const i = at.get(key)! * 3;
    ordered.push(offsets[i]!, offsets[i + 1]!, offsets[i + 2]!);
  }
  setSpans(map, ordered);
}

/** Keys an object lists before all others, in numeric order: array indices. */
function isIndexLike(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 48 && c <= 57 && /^(0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4294967295;
}

/** Mappings with more keys than this get a key → index map on their first lookup; smaller ones are scanned. */
const INDEXED_FROM = 16;
const keyIndexes = new WeakMap<object, Map<string, number>>();

/** The span of one key or item of a container made from YAML. */
export function spanOf(container: unknown, key: string): Span | undefined {
  if (container === null || typeof container !== 'object') return undefined;
  const offsets = (container as Positioned)[POSITIONS];
  if (!offsets) return undefined;
  const index = Array.isArray(container) ? (/^(0|[1-9]\d*)$/.test(key) ? Number(key) : -1) : keyIndex(container, key, offsets.length / 3);
  if (index < 0 || index * 3 + 2 >= offsets.length) return undefined;
  return [offsets[index * 3]!, offsets[index * 3 + 1]!, offsets[index * 3 + 2]!];
}

/**
 * The position of `key` among a mapping's keys. A customer with tens of thousands of inline entities is
 * looked up once per entity, so a scan of its keys per lookup would make locating them quadratic.
 */
function keyIndex(container: object, key: string, size: number): number {
  if (size > INDEXED_FROM) {
    let index = keyIndexes.get(container);
    if (!index) {
      index = new Map();
      let i = 0;
      for (const k in container) index.set(k, i++);
      keyIndexes.set(container, index);
    }
    return index.get(key) ?? -1;
  }
  let i = 0;
  for (const k in container) {
    if (k === key) return i;
    i++;
  }
  return -1;
}

/**
 * The span of the value at `pointer` below `root`, or of the deepest ancestor that exists.
 * `exact` tells whether the whole pointer was found.
 */
export function findSpan(
  root: unknown,
  rootSpan: Span,
  pointer: string,
): { span: Span; exact: boolean } {
  let node: unknown = root;
  let span = rootSpan;
  for (const segment of pointerSegments(pointer)) {
    const s = spanOf(node, segment);
    if (s === undefined) return { span, exact: false };
    span = s;
    node = (node as Record<string, unknown>)[segment];
  }
  return { span, exact: true };
}
