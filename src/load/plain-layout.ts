import { isScalar, Schema, type ScalarTag } from 'yaml';
import { MAX_DOCUMENTS_PER_FILE, MAX_ENTRIES_PER_COLLECTION } from './limits.js';
import { setMappingSpans, setSpans, type Span } from './positions.js';

/**
 * A fast reader for the plain layout nearly every policy file is written in: block mappings and lists, flow
 * mappings and lists on one line, plain and quoted scalars on one line, end-of-line comments, comment lines at
 * column 0, `---` between documents. `yaml` lexes, parses and composes a node tree that tollgate converts and
 * drops; on a fleet that is most of a cold run's work (SPEC §13, docs/benchmarks.md).
 *
 * It either reads a file the way parsePolicyYaml's `yaml` path would — the same values, the same key order, the
 * same offsets of every key and value — or declines the whole file, which is then read by `yaml`: anything
 * else (anchors, aliases, tags, block scalars, scalars over several lines, escapes, tabs, CR line ends,
 * indented comment lines, empty values, duplicate keys, directives, anything irregular) goes to the library
 * and gets its diagnostics. Plain scalars are typed by `yaml`'s own core-schema tags.
 * test/load/plain-layout.test.ts compares both readers on every policy file of the repository and on
 * thousands of edited ones.
 */

/** One document of a file, as the `yaml` path converts it: its value with positions, and its span. */
export interface PlainDocument {
  index: number;
  value: unknown;
  span: Span;
}

/** The documents of `text`, or undefined when it is not in the plain layout (read it with `yaml`). */
export function readPlainLayout(text: string): PlainDocument[] | undefined {
  // tabs and CRs change what indentation and line ends mean; a BOM moves every offset
  if (text.includes('\t') || text.includes('\r') || text.charCodeAt(0) === BOM) return undefined;
  try {
    return new PlainReader(text).documents();
  } catch (error) {
    if (error === DECLINE) return undefined;
    throw error;
  }
}

/** Thrown where the layout stops being plain: the file goes to `yaml`. */
const DECLINE = new Error('not in the plain layout');

/** Longest plain key read here: YAML allows at most 1024 characters before an implicit key's colon. */
const MAX_KEY_LENGTH = 1000;

/** Nesting past this goes to `yaml` (which refuses past MAX_DEPTH with a located error); policies need about eight. */
const PLAIN_DEPTH = 32;

const NL = 10;
const SPACE = 32;
const HASH = 35;
const DASH = 45;
const COLON = 58;
const DQUOTE = 34;
const SQUOTE = 39;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const COMMA = 44;
const BOM = 0xfeff;

/** `yaml`'s core-schema scalar tags, in the order its composer tries them on a plain scalar. */
const SCALAR_TAGS = new Schema({}).tags.filter((tag): tag is ScalarTag & { test: RegExp } => tag.default === true && tag.test !== undefined);
/** Every core-schema tag but a string's matches only text starting with one of these (null, bool, int, float). */
const TYPED_START = /^[-+.~0-9nNtTfF]/;

/** A plain scalar's value, as `yaml`'s composer types it. */
function resolvePlain(source: string): unknown {
  if (!TYPED_START.test(source)) return source;
  for (const tag of SCALAR_TAGS) {
    if (!tag.test.test(source)) continue;
    let failed = false;
    const resolved = tag.resolve(source, () => (failed = true), { intAsBigInt: false });
    if (failed) throw DECLINE;
    return isScalar(resolved) ? resolved.value : resolved;
  }
  return source;
}

/** A plain scalar value as parsePolicyYaml keeps it: a non-finite number stays its text. */
function plainValue(source: string): unknown {
  const value = resolvePlain(source);
  return typeof value === 'number' && !Number.isFinite(value) ? source : value;
}

/** A plain key as parsePolicyYaml names it: its value as a string. */
function plainKey(source: string): string {
  return String(resolvePlain(source));
}

/** The text less its trailing spaces: YAML's white space is spaces and tabs, not all that String.trimEnd takes. */
function withoutTrailingSpaces(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === SPACE) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** Adds a member; `__proto__` becomes an own member too, never the object's prototype (as parsePolicyYaml has it). */
function setMember(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

/** Characters of a key read here: what ids, features and policy keys are written with. */
function isKeyStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}
function isKeyPart(c: number): boolean {
  return isKeyStart(c) || c === DASH || c === 46 || c === 47;
}

/** Starts a plain scalar may not have in block context (indicators); `-` is allowed before a digit or a dot. */
const INDICATOR = /^[?:,[\]{}#&*!|>'"%@`]|^-(?![0-9.])/;

class PlainReader {
  /** The start of the current content line, and its indentation (-1 at the end of the text). */
  private line = 0;
  private indent = -1;
  /** The last value read: its start, its end, and where its node ends (`yaml`'s range). */
  private start = 0;
  private end = 0;
  private close = 0;

  constructor(private readonly text: string) {}

  documents(): PlainDocument[] {
    const text = this.text;
    const docs: PlainDocument[] = [];
    // a `---` not yet followed by its document
    let opened = false;
    this.seek(0);
    while (this.indent !== -1) {
      if (this.indent !== 0) throw DECLINE;
      const at = this.line;
      if (text.startsWith('---', at)) {
        const after = at + 3;
        if (opened || (after < text.length && text.charCodeAt(after) !== NL)) throw DECLINE;
        opened = true;
        this.seek(after + 1);
        continue;
      }
      if (!isKeyStart(text.charCodeAt(at))) throw DECLINE;
      const value = this.blockMap(0, 1, at);
      if (docs.length === MAX_DOCUMENTS_PER_FILE) throw DECLINE;
      docs.push({ index: docs.length, value, span: [this.start, this.start, this.end] });
      opened = false;
    }
    // a trailing `---` opens an empty document, which `yaml`'s path reports
    if (opened || docs.length === 0) throw DECLINE;
    return docs;
  }

  /** Moves to the next content line from the line starting at `at`: past empty lines and comment lines at column 0. */
  private seek(at: number): void {
    const text = this.text;
    for (;;) {
      if (at >= text.length) {
        this.line = text.length;
        this.indent = -1;
        return;
      }
      const c = text.charCodeAt(at);
      if (c === NL) {
        at++;
        continue;
      }
      if (c === HASH) {
        at = this.nextLine(at);
        continue;
      }
      let i = at;
      while (text.charCodeAt(i) === SPACE) i++;
      const d = text.charCodeAt(i);
      // a line of spaces, or an indented comment line: `yaml` gives those to different nodes' ranges
      if (i >= text.length || d === NL || d === HASH) throw DECLINE;
      this.line = at;
      this.indent = i - at;
      return;
    }
  }

  /** The start of the line after the one holding `at`. */
  private nextLine(at: number): number {
    const nl = this.text.indexOf('\n', at);
    return nl === -1 ? this.text.length : nl + 1;
  }

  /** Where a key that starts at `at` ends (its colon), or -1 when no plain key of a mapping starts there. */
  private keyEnd(at: number): number {
    const text = this.text;
    if (!isKeyStart(text.charCodeAt(at))) return -1;
    let i = at + 1;
    while (isKeyPart(text.charCodeAt(i))) i++;
    // YAML refuses an implicit key longer than 1024 characters: `yaml` reports it
    if (text.charCodeAt(i) !== COLON || i - at > MAX_KEY_LENGTH) return -1;
    const next = text.charCodeAt(i + 1);
    return next === SPACE || next === NL || i + 1 >= text.length ? i : -1;
  }

  /** A block mapping at column `indent`, its first key at `at` on the current line. */
  private blockMap(indent: number, depth: number, at: number): Record<string, unknown> {
    if (depth > PLAIN_DEPTH) throw DECLINE;
    const text = this.text;
    const out: Record<string, unknown> = {};
    const keys: string[] = [];
    const offsets: number[] = [];
    const start = at;
    let close = at;
    for (;;) {
      const colon = this.keyEnd(at);
      if (colon === -1) throw DECLINE;
      const key = plainKey(text.slice(at, colon));
      if (Object.hasOwn(out, key)) throw DECLINE;
      let p = colon + 1;
      while (text.charCodeAt(p) === SPACE) p++;
      const c = text.charCodeAt(p);
      let value: unknown;
      if (p >= text.length || c === NL || (c === HASH && p > colon + 1)) {
        // the value is on the lines below: a deeper block, or a list at the mapping's own column
        this.seek(this.nextLine(p));
        const content = this.line + this.indent;
        if (this.indent > indent) {
          value = this.isItem(content) ? this.blockSeq(this.indent, depth + 1, content) : this.blockMap(this.indent, depth + 1, content);
        } else if (this.indent === indent && this.isItem(content)) {
          value = this.blockSeq(indent, depth + 1, content);
        } else {
          throw DECLINE; // an empty value
        }
      } else {
        value = this.inline(p, depth + 1);
        this.seek(this.close);
      }
      setMember(out, key, value);
      keys.push(key);
      offsets.push(at, this.start, this.end);
      close = this.close;
      if (keys.length > MAX_ENTRIES_PER_COLLECTION) throw DECLINE;
      if (this.indent < indent) break;
      // a deeper line would continue a plain scalar over lines, or be misaligned
      if (this.indent > indent) throw DECLINE;
      at = this.line + indent;
      if (text.charCodeAt(at) === DASH) {
        if (indent === 0 && text.startsWith('---', at)) break;
        throw DECLINE;
      }
    }
    setMappingSpans(out, keys, offsets);
    this.start = start;
    this.end = close;
    this.close = close;
    return out;
  }

  /** Whether a list item (`- `) starts at `at`. */
  private isItem(at: number): boolean {
    return this.text.charCodeAt(at) === DASH && this.text.charCodeAt(at + 1) === SPACE;
  }

  /** A block list at column `indent`, its first `- ` at `at`. */
  private blockSeq(indent: number, depth: number, at: number): unknown[] {
    if (depth > PLAIN_DEPTH) throw DECLINE;
    const text = this.text;
    const out: unknown[] = [];
    const offsets: number[] = [];
    const start = at;
    let close = at;
    for (;;) {
      let p = at + 2;
      while (text.charCodeAt(p) === SPACE) p++;
      const c = text.charCodeAt(p);
      if (p >= text.length || c === NL || c === HASH || this.isItem(p)) throw DECLINE;
      if (this.keyEnd(p) !== -1) {
        // a mapping that starts on the item's line, at the item's column
        out.push(this.blockMap(p - this.line, depth + 1, p));
      } else {
        out.push(this.inline(p, depth + 1));
        this.seek(this.close);
      }
      offsets.push(this.start, this.start, this.end);
      close = this.close;
      if (out.length > MAX_ENTRIES_PER_COLLECTION) throw DECLINE;
      if (this.indent !== indent || !this.isItem(this.line + indent)) break;
      at = this.line + indent;
    }
    // a deeper line would continue a plain scalar over lines, or be misaligned
    if (this.indent > indent) throw DECLINE;
    setSpans(out, offsets);
    this.start = start;
    this.end = close;
    this.close = close;
    return out;
  }

  /** A value that starts at `at` and ends its line (a comment may follow); `close` is the start of the next line. */
  private inline(at: number, depth: number): unknown {
    const text = this.text;
    const c = text.charCodeAt(at);
    let value: unknown;
    let end: number;
    if (c === DQUOTE || c === SQUOTE) {
      value = this.quoted(at);
      end = this.end;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      value = this.flow(at, depth);
      end = this.end;
    } else {
      const next = this.nextLine(at);
      let source = text.slice(at, text.charCodeAt(next - 1) === NL ? next - 1 : next);
      const comment = source.indexOf(' #');
      if (comment !== -1) source = source.slice(0, comment);
      source = withoutTrailingSpaces(source);
      if (INDICATOR.test(source) || source.includes(': ') || source.endsWith(':')) throw DECLINE;
      this.start = at;
      this.end = at + source.length;
      this.close = next;
      return plainValue(source);
    }
    // after a quoted or flow value: spaces, then a comment or the line's end
    let p = end;
    while (text.charCodeAt(p) === SPACE) p++;
    if (p < text.length && text.charCodeAt(p) !== NL && !(text.charCodeAt(p) === HASH && p > end)) throw DECLINE;
    this.start = at;
    this.end = end;
    this.close = this.nextLine(p);
    return value;
  }

  /** A quoted scalar on one line, without escapes; sets start and end. */
  private quoted(at: number): string {
    const text = this.text;
    const quote = text.charCodeAt(at);
    const lineEnd = this.nextLine(at);
    let value = '';
    let from = at + 1;
    for (;;) {
      const q = text.indexOf(quote === DQUOTE ? '"' : "'", from);
      if (q === -1 || q >= lineEnd) throw DECLINE;
      value += text.slice(from, q);
      if (quote === SQUOTE && text.charCodeAt(q + 1) === SQUOTE) {
        value += "'";
        from = q + 2;
        continue;
      }
      if (quote === DQUOTE && value.includes('\\')) throw DECLINE;
      this.start = at;
      this.end = q + 1;
      return value;
    }
  }

  /** A flow mapping or list on one line, of scalars; sets start and end. */
  private flow(at: number, depth: number): Record<string, unknown> | unknown[] {
    if (depth > PLAIN_DEPTH) throw DECLINE;
    const text = this.text;
    const mapping = text.charCodeAt(at) === OPEN_BRACE;
    const closing = mapping ? CLOSE_BRACE : CLOSE_BRACKET;
    const map: Record<string, unknown> = {};
    const list: unknown[] = [];
    const keys: string[] = [];
    const offsets: number[] = [];
    let p = at + 1;
    while (text.charCodeAt(p) === SPACE) p++;
    if (text.charCodeAt(p) !== closing) {
      for (;;) {
        let keyAt = p;
        let key = '';
        if (mapping) {
          const colon = this.keyEnd(p);
          if (colon === -1 || text.charCodeAt(colon + 1) !== SPACE) throw DECLINE;
          key = plainKey(text.slice(p, colon));
          if (Object.hasOwn(map, key)) throw DECLINE;
          p = colon + 2;
          while (text.charCodeAt(p) === SPACE) p++;
        }
        const value = this.flowScalar(p);
        if (mapping) {
          setMember(map, key, value);
          keys.push(key);
          offsets.push(keyAt, this.start, this.end);
        } else {
          keyAt = this.start;
          list.push(value);
          offsets.push(keyAt, keyAt, this.end);
        }
        p = this.end;
        while (text.charCodeAt(p) === SPACE) p++;
        const c = text.charCodeAt(p);
        if (c === closing) break;
        if (c !== COMMA) throw DECLINE;
        p++;
        while (text.charCodeAt(p) === SPACE) p++;
        // a trailing comma, or an empty entry
        if (text.charCodeAt(p) === closing || text.charCodeAt(p) === COMMA) throw DECLINE;
      }
    }
    if (keys.length > MAX_ENTRIES_PER_COLLECTION || list.length > MAX_ENTRIES_PER_COLLECTION) throw DECLINE;
    this.start = at;
    this.end = p + 1;
    if (mapping) {
      setMappingSpans(map, keys, offsets);
      return map;
    }
    setSpans(list, offsets);
    return list;
  }

  /** A quoted or plain scalar inside a flow collection; sets start and end. */
  private flowScalar(at: number): unknown {
    const text = this.text;
    const c = text.charCodeAt(at);
    if (c === DQUOTE || c === SQUOTE) return this.quoted(at);
    let i = at;
    for (let d = c; i < text.length && d !== COMMA && d !== CLOSE_BRACE && d !== CLOSE_BRACKET && d !== NL; d = text.charCodeAt(++i)) {
      // what would make it a key, a comment, a nested collection or a quoted part
      if (d === COLON || d === HASH || d === OPEN_BRACE || d === OPEN_BRACKET || d === DQUOTE || d === SQUOTE || d === BACKSLASH) throw DECLINE;
    }
    const source = withoutTrailingSpaces(text.slice(at, i));
    if (source === '' || INDICATOR.test(source)) throw DECLINE;
    this.start = at;
    this.end = at + source.length;
    return plainValue(source);
  }
}
