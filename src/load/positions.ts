/**
 * Source positions of converted YAML values, kept beside the plain values instead of in a retained AST:
 * every object and array made from YAML carries, under a symbol, the offsets of each key and value.
 */
export const POSITIONS: unique symbol = Symbol('tollgate.positions');

/** [key start, value start, value end] character offsets; for array items the key start is the item start. */
export type Span = readonly [keyStart: number, valueStart: number, valueEnd: number];

export interface Positioned {
  [POSITIONS]?: Map<string, Span>;
}

export function setSpans(container: object, spans: Map<string, Span>): void {
  Object.defineProperty(container, POSITIONS, { value: spans, enumerable: false });
}

export function spansOf(container: unknown): Map<string, Span> | undefined {
  return container !== null && typeof container === 'object' ? (container as Positioned)[POSITIONS] : undefined;
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
    const s = spansOf(node)?.get(segment);
    if (s === undefined) return { span, exact: false };
    span = s;
    node = (node as Record<string, unknown>)[segment];
  }
  return { span, exact: true };
}
