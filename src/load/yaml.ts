import { Composer, isAlias, isMap, isPair, isScalar, isSeq, Parser, type Document, type Node } from 'yaml';
import { diagnostic, type Diagnostic, type Location } from '../diagnostics/diagnostic.js';
import { ALIAS_NODE_BUDGET, documentOverLimit, excessIn, MAX_DEPTH, MAX_DOCUMENTS_PER_FILE, MAX_ENTRIES_PER_COLLECTION } from './limits.js';
import { findSpan, setMappingSpans, setSpans, type Span } from './positions.js';
import { readPlainLayout } from './plain-layout.js';
import type { SourceFile } from '../util/source-file.js';

export { ALIAS_NODE_BUDGET, MAX_DEPTH } from './limits.js';

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

/** A document with YAML errors that still names its kind and id at its top level: others may refer to it. */
export interface NamedBrokenDocument {
  kind: string;
  id: string;
  /** Its first YAML error. */
  at: Location;
}

/**
 * Parses every YAML document of a file; documents with YAML errors are reported and left out (`broken` lists
 * those that still name their kind and id). A file past a
 * limit (documents, entries of one collection, nesting) is refused whole, with one error where it goes over.
 */
export function parsePolicyYaml(
  source: SourceFile,
  options: { plain?: boolean } = {},
): { docs: PolicyDoc[]; diagnostics: Diagnostic[]; broken: NamedBrokenDocument[] } {
  // Most files are read without `yaml`'s node tree (plain-layout.ts); `plain: false` reads with `yaml` alone.
  const plain = options.plain === false ? undefined : readPlainLayout(source.text);
  if (plain) return { docs: plain.map((d) => ({ source, index: d.index, value: d.value, span: d.span })), diagnostics: [], broken: [] };
  const docs: PolicyDoc[] = [];
  const diagnostics: Diagnostic[] = [];
  const broken: NamedBrokenDocument[] = [];
  const refuse = (d: Diagnostic) => ({ docs: [], diagnostics: [d], broken: [] });
  const tooDeep = (offset: number) =>
    diagnostic('yaml-too-deep', `The file is nested too deeply to parse; policies need at most ${MAX_DEPTH} levels.`, rangeLocation(source, offset, offset));
  const tooMany = (offset: number) =>
    refuse(
      diagnostic('yaml-too-many-documents', `The file holds more than ${n(MAX_DOCUMENTS_PER_FILE)} YAML documents; tollgate reads at most ${n(MAX_DOCUMENTS_PER_FILE)} per file. Split it, e.g. one file per customer.`, rangeLocation(source, offset, offset)),
    );
  const over = documentOverLimit(source.text);
  if (over !== undefined) return tooMany(over);
  let index = 0;
  const take = (doc: Document.Parsed) => convertDocument(source, doc, index++, docs, diagnostics, tooDeep, broken);
  try {
    // parseAllDocuments one document at a time: each is measured before it is composed, and its syntax tree
    // is dropped once it is converted, so a file of many documents never holds all their trees at once.
    const composer = new Composer({ uniqueKeys: false }); // duplicate keys: see Converter
    let documents = 0;
    for (const token of new Parser().parse(source.text)) {
      if (token.type === 'document' && ++documents > MAX_DOCUMENTS_PER_FILE) return tooMany(token.offset);
      const excess = excessIn(token);
      if (excess?.kind === 'depth') return refuse(tooDeep(excess.offset));
      if (excess) {
        const what = excess.mapping ? 'mapping has more than' : 'list has more than';
        const unit = excess.mapping ? 'keys' : 'items';
        return refuse(
          diagnostic('yaml-too-many-entries', `This ${what} ${n(MAX_ENTRIES_PER_COLLECTION)} ${unit} (here is the next one); tollgate reads at most ${n(MAX_ENTRIES_PER_COLLECTION)} ${unit} in one ${excess.mapping ? 'mapping' : 'list'}. Split the customer's entities into files of their own.`, rangeLocation(source, excess.offset, excess.offset)),
        );
      }
      for (const doc of composer.next(token)) take(doc as Document.Parsed);
    }
    for (const doc of composer.end()) take(doc as Document.Parsed);
  } catch (error) {
    // Recursion on nesting; a stack overflow means a pathological document.
    if (error instanceof RangeError) return refuse(tooDeep(0));
    throw error;
  }
  return { docs, diagnostics, broken };
}

/** Reports the problems of one composed document, or converts it and adds it to `docs`. */
function convertDocument(
  source: SourceFile,
  doc: Document.Parsed,
  index: number,
  docs: PolicyDoc[],
  diagnostics: Diagnostic[],
  tooDeep: (offset: number) => Diagnostic,
  broken: NamedBrokenDocument[],
): void {
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
  if (problems.length > 0) {
    const named = namedKindAndId(doc.contents);
    if (named) broken.push({ ...named, at: rangeLocation(source, problems[0]!.pos[0], problems[0]!.pos[1]) });
    return;
  }
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
}

/** The top-level `kind` and `id` a document that failed to parse still holds, when both are plain strings. */
function namedKindAndId(contents: unknown): { kind: string; id: string } | undefined {
  if (!isMap(contents)) return undefined;
  const top = (key: string): unknown => {
    const pair = contents.items.find((p) => isScalar(p.key) && p.key.value === key);
    return isScalar(pair?.value) ? pair.value.value : undefined;
  };
  const kind = top('kind');
  const id = top('id');
  return typeof kind === 'string' && typeof id === 'string' ? { kind, id } : undefined;
}

function n(value: number): string {
  return value.toLocaleString('en-US');
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
      const offsets: number[] = [];
      const keys: string[] = [];
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        if (keyNode !== null && !isScalar(keyNode)) {
          return this.fail('yaml-complex-key', keyNode, 'Mapping keys must be plain strings.');
        }
        const key = String(keyNode === null ? '' : keyNode.value);
        const k = keyNode?.range ?? node.range ?? [0, 0, 0];
        if (Object.hasOwn(out, key)) {
          // once, where the mapping is written, not again wherever an alias repeats it
          if (!viaAlias) this.duplicates.push(duplicateKey(this.source, key, k));
          continue;
        }
        const valueNode = pair.value as Node | null;
        const value = this.convert(valueNode, depth + 1, viaAlias);
        // defineProperty: a key such as __proto__ becomes an own property and never reaches a prototype.
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
        const v = valueNode?.range ?? [k[1], k[1], k[1]];
        offsets.push(k[0], v[0], v[1]);
        keys.push(key);
      }
      setMappingSpans(out, keys, offsets);
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
