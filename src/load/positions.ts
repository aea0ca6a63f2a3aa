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

/** The span of one key or item of a container made from YAML. */
export function spanOf(container: unknown, key: string): Span | undefined {
  if (container === null || typeof container !== 'object') return undefined;
  const offsets = (container as Positioned)[POSITIONS];
  if (!offsets) return undefined;
  let index = -1;
  if (Array.isArray(container)) {
    index = /^(0|[1-9]\d*)$/.test(key) ? Number(key) : -1;
  } else {
    let i = 0;
    for (const k in container) {
      if (k === key) {
        index = i;
        break;
      }
      i++;
    }
  }
  if (index < 0 || index * 3 + 2 >= offsets.length) return undefined;
  return [offsets[index * 3]!, offsets[index * 3 + 1]!, offsets[index * 3 + 2]!];
}

/** Splits a JSON pointer into unescaped segments. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Joins segments into a JSON pointer. */
export function toPointer(segments: ReadonlyArray<string | number>): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
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
