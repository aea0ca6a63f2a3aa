import { Composer, isAlias, isMap, isPair, isScalar, isSeq, Parser, type CST, type Document, type Node } from 'yaml';
import { diagnostic, type Diagnostic, type Location } from '../diagnostics/diagnostic.js';
import { findSpan, setSpans, type Span } from './positions.js';
import type { SourceFile } from './source.js';

/** Nodes an alias may expand to, in total per document: more is an alias bomb, not a policy. */
export const ALIAS_NODE_BUDGET = 10_000;
/** Deepest nesting accepted; policy documents need about eight levels. */
export const MAX_DEPTH = 64;
/**
 * Deepest nesting handed to yaml's composer, which recurses per level: a few thousand levels exhaust the
 * stack, sometimes inside V8's regexp compiler, which aborts the process instead of throwing.
 */
const COMPOSE_DEPTH_LIMIT = MAX_DEPTH * 4;

/** One YAML document of a policy file, converted to plain values that remember their positions. */
export interface PolicyDoc {
  source: SourceFile;
  /** 0-based index of the document in its file. */
  index: number;
  value: unknown;
  span: Span;
}

/** Where a JSON pointer inside a document is in its file; a missing path points at its nearest ancestor. */
export function locate(doc: PolicyDoc, pointer: string, part: 'key' | 'value' = 'value'): Location {
  const { span, exact } = findSpan(doc.value, doc.span, pointer);
  const start = part === 'key' || !exact ? span[0] : span[1];
  const end = part === 'key' && exact && span[0] !== span[1] ? keyEnd(doc.source.text, span) : span[2];
  return rangeLocation(doc.source, start, end, pointer);
}

function keyEnd(text: string, span: Span): number {
  const colon = text.lastIndexOf(':', span[1]);
  return colon > span[0] ? colon : span[1];
}

/** A location from character offsets. */
export function rangeLocation(source: SourceFile, start: number, end: number, pointer = ''): Location {
  const a = source.position(start);
  const b = source.position(Math.max(start, end));
  return { file: source.path, line: a.line, column: a.column, endLine: b.line, endColumn: b.column, pointer };
}

/** Parses every YAML document of a file; documents with YAML errors are reported and left out. */
export function parsePolicyYaml(source: SourceFile): { docs: PolicyDoc[]; diagnostics: Diagnostic[] } {
  const docs: PolicyDoc[] = [];
  const diagnostics: Diagnostic[] = [];
  let parsed: Document.Parsed[];
  const tooDeep = (offset: number) =>
    diagnostic('yaml-too-deep', `The file is nested too deeply to parse; policies need at most ${MAX_DEPTH} levels.`, rangeLocation(source, offset, offset));
  try {
    // parseAllDocuments in two steps: the parser is iterative, so its tokens can be measured before composing.
    const tokens = Array.from(new Parser().parse(source.text));
    const deep = deepestOffset(tokens, COMPOSE_DEPTH_LIMIT);
    if (deep !== undefined) return { docs, diagnostics: [tooDeep(deep)] };
    // Duplicate keys are found by the converter: yaml's own check compares each key with every earlier one.
    parsed = Array.from(new Composer({ uniqueKeys: false }).compose(tokens)) as Document.Parsed[];
  } catch (error) {
    // Recursion on nesting; a stack overflow means a pathological document.
    if (error instanceof RangeError) return { docs, diagnostics: [tooDeep(0)] };
    throw error;
  }
  parsed.forEach((doc, index) => {
    const problems = [...doc.errors, ...doc.warnings];
    const exhausted = problems.find((p) => p.code === 'RESOURCE_EXHAUSTION');
    if (exhausted) {
      // yaml caught a stack overflow of its own: one finding, not one per remaining token
      diagnostics.push(tooDeep(exhausted.pos[0]));
      return;
    }
    for (const problem of problems) {
      diagnostics.push(diagnostic('yaml-syntax', firstLine(problem.message), rangeLocation(source, problem.pos[0], problem.pos[1])));
    }
    if (problems.length > 0) return;
    if (doc.contents === null || isEmptyScalar(doc.contents as Node)) {
      // A stray `---` (or one followed only by comments) yields a document with nothing in it.
      diagnostics.push(
        diagnostic('yaml-empty-document', 'This YAML document is empty; remove the extra "---" or give the document a kind.', rangeLocation(source, doc.range[0], doc.range[0])),
      );
      return;
    }
    const converter = new Converter(doc, source);
    const value = converter.convert(doc.contents as Node, 0);
    if (converter.problem || converter.duplicates.length > 0) {
      diagnostics.push(...converter.duplicates);
      if (converter.problem) diagnostics.push(converter.problem);
      return;
    }
    const range = (doc.contents as Node).range ?? [0, 0, 0];
    docs.push({ source, index, value, span: [range[0], range[0], range[1]] });
  });
  return { docs, diagnostics };
}

/** Offset of the first collection nested deeper than `limit` in a CST, walked without recursion. */
function deepestOffset(tokens: readonly CST.Token[], limit: number): number | undefined {
  const stack: Array<[unknown, number]> = tokens.map((t) => [t, 0]);
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    const type = (node as { type?: unknown }).type;
    const level = type === 'block-map' || type === 'block-seq' || type === 'flow-collection' ? depth + 1 : depth;
    if (level > limit) return (node as { offset?: number }).offset ?? 0;
    for (const child of Object.values(node)) if (child !== null && typeof child === 'object') stack.push([child, level]);
  }
  return undefined;
}

/** An empty document parses as a null scalar with no text (unlike an explicit `null` or `~`). */
function isEmptyScalar(node: Node): boolean {
  return isScalar(node) && node.value === null && node.range !== undefined && node.range !== null && node.range[0] === node.range[1];
}

function duplicateKey(source: SourceFile, key: string, range: readonly number[]): Diagnostic {
  return diagnostic(
    'yaml-duplicate-key',
    `Duplicate key ${JSON.stringify(key.length > 60 ? key.slice(0, 57) + '...' : key)}; each key may appear once in a mapping. Remove or merge the repeated key.`,
    rangeLocation(source, range[0]!, range[1]!),
  );
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** Turns a YAML node tree into plain values, recording spans and refusing alias bombs and deep nesting. */
class Converter {
  problem: Diagnostic | undefined;
  /** Keys written twice in one mapping; the document is still converted so that every one is found. */
  readonly duplicates: Diagnostic[] = [];
  private aliasNodes = 0;
  private readonly expanding = new Set<Node>();
  /** The alias written in the document whose expansion is under way: where a bomb is reported. */
  private outerAlias: Node | undefined;

  constructor(
    private readonly doc: Document.Parsed,
    private readonly source: SourceFile,
  ) {}

  convert(node: Node | null, depth: number, viaAlias = false): unknown {
    if (this.problem || node === null) return null;
    if (viaAlias && ++this.aliasNodes > ALIAS_NODE_BUDGET) {
      const at = this.outerAlias ?? node;
      return this.fail('yaml-alias-limit', at, `Aliases expand to more than ${ALIAS_NODE_BUDGET} values (here, ${at.toString()}); write the values out or use fewer aliases.`);
    }
    if (depth > MAX_DEPTH) {
      return this.fail('yaml-too-deep', node, `The document is nested more than ${MAX_DEPTH} levels deep; policy documents need far fewer.`);
    }
    if (isScalar(node)) {
      // .inf and .nan pass ajv's integer check; as the text written they fail it like any other non-number.
      if (typeof node.value === 'number' && !Number.isFinite(node.value)) return node.source;
      return node.value;
    }
    if (isAlias(node)) {
      const target = node.resolve(this.doc) as Node | undefined;
      if (!target) return this.fail('yaml-syntax', node, `Alias *${node.source} refers to no anchor.`);
      if (this.expanding.has(target)) return this.fail('yaml-alias-limit', node, `Alias *${node.source} refers to a value that contains it.`);
      this.expanding.add(target);
      const outer = this.outerAlias === undefined;
      if (outer) this.outerAlias = node;
      const value = this.convert(target, depth, true);
      if (outer) this.outerAlias = undefined;
      this.expanding.delete(target);
      return value;
    }
    if (isSeq(node)) {
      const out: unknown[] = [];
      const offsets: number[] = [];
      for (const item of node.items) {
        const itemNode = item as Node;
        out.push(this.convert(itemNode, depth + 1, viaAlias));
        const r = itemNode?.range ?? node.range ?? [0, 0, 0];
        offsets.push(r[0], r[0], r[1]);
      }
      setSpans(out, offsets);
      return out;
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      const spans = new Map<string, Span>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        if (keyNode !== null && !isScalar(keyNode)) {
          return this.fail('yaml-complex-key', keyNode, 'Mapping keys must be plain strings.');
        }
        const key = String(keyNode === null ? '' : keyNode.value);
        const k = keyNode?.range ?? node.range ?? [0, 0, 0];
        if (spans.has(key)) {
          // once, where the mapping is written, not again wherever an alias repeats it
          if (!viaAlias) this.duplicates.push(duplicateKey(this.source, key, k));
          continue;
        }
        const valueNode = pair.value as Node | null;
        const value = this.convert(valueNode, depth + 1, viaAlias);
        // defineProperty: a key such as __proto__ becomes an own property and never reaches a prototype.
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
        const v = valueNode?.range ?? [k[1], k[1], k[1]];
        spans.set(key, [k[0], v[0], v[1]]);
      }
      // in the object's own key order, which puts integer-like keys first
      const offsets: number[] = [];
      for (const key in out) offsets.push(...spans.get(key)!);
      setSpans(out, offsets);
      return out;
    }
    return null;
  }

  private fail(code: 'yaml-alias-limit' | 'yaml-too-deep' | 'yaml-syntax' | 'yaml-complex-key', node: Node, message: string): null {
    const r = node.range ?? [0, 0, 0];
    this.problem ??= diagnostic(code, message, rangeLocation(this.source, r[0], r[1]));
    return null;
  }
}
