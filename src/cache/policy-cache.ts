import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { NamedBrokenDocument, PolicyDoc } from '../load/yaml.js';
import type { SourceFile } from '../util/source-file.js';
import type { AnalysisCache, CustomerResult, ParsedFile, ShapeResult } from '../validate/analysis-cache.js';
import { CACHE_KEY } from './cache-key.js';
import { decodeDoc, encodeDoc, type EncodedDoc } from '../load/doc-codec.js';
import { TextPack } from './text-pack.js';
import { isRecord, readCheckedJson, writeCheckedJson } from '../util/checked-file.js';

interface FileEntry {
  docs: EncodedDoc[];
  diagnostics: Diagnostic[];
  broken: NamedBrokenDocument[];
  /** Schema checks per document index, for one set of feature ids and types. */
  shapes?: { features: string; results: Array<ShapeResult | null> };
}

interface Pack {
  files: Record<string, FileEntry>;
  customers: Record<string, CustomerResult>;
}

/** Where the command line keeps the cache, beside the local target's state. */
export const CACHE_DIR = path.join('.tollgate', 'cache');

/**
 * A content-addressed cache of analysis results in one pack file under `<root>/<version and schema key>/`:
 * file parses keyed by path and text, schema checks by those and the feature set, customer checks by the
 * hashes of the files they depend on (their digest input in `digest.pack` beside it). The pack carries a checksum; a damaged one is ignored and rebuilt.
 * Only what a run used is written back, so the pack never outgrows the policies.
 */
export class PolicyCache implements AnalysisCache {
  private readonly file: string;
  private loaded: Pack = { files: {}, customers: {} };
  private used: Pack = { files: {}, customers: {} };
  private changed = false;
  private digestPack: TextPack | undefined;
  private readonly keys = new WeakMap<SourceFile, string>();

  constructor(root: string) {
    this.file = path.join(root, CACHE_KEY, 'analysis.pack');
    this.loaded = readCheckedJson(this.file, isPack) ?? this.loaded;
  }

  fileKey(source: SourceFile): string {
    let key = this.keys.get(source);
    if (key === undefined) {
      key = createHash('sha256').update(source.path).update('\u0000').update(source.text).digest('hex');
      this.keys.set(source, key);
    }
    return key;
  }

  has(source: SourceFile): boolean {
    return Object.hasOwn(this.loaded.files, this.fileKey(source));
  }

  parse(source: SourceFile, compute: () => ParsedFile): ParsedFile {
    const key = this.fileKey(source);
    const entry = Object.hasOwn(this.loaded.files, key) ? this.loaded.files[key] : undefined;
    const docs = entry && decodeDocs(entry.docs, source);
    if (docs) {
      this.used.files[key] = entry!;
      return { docs, diagnostics: entry!.diagnostics, broken: entry!.broken };
    }
    const parsed = compute();
    // as a parse worker sent them, else encoded here (which reads every document's offsets)
    const encoded = parsed.encoded ?? parsed.docs.map((d) => encodeDoc(d.index, d.span, d.value));
    // a value JSON cannot carry exactly is parsed again next time
    if (encoded.every((e) => e !== undefined)) {
      this.used.files[key] = { docs: encoded as EncodedDoc[], diagnostics: parsed.diagnostics, broken: parsed.broken };
      this.changed = true;
    }
    return parsed;
  }

  shape(doc: PolicyDoc, features: string, compute: () => ShapeResult): ShapeResult {
    const entry = this.used.files[this.fileKey(doc.source)];
    if (!entry) return compute();
    const position = entry.docs.findIndex((d) => d.index === doc.index);
    const cached = entry.shapes?.features === features ? entry.shapes.results[position] : undefined;
    if (cached) return cached;
    const result = compute();
    if (entry.shapes?.features !== features) entry.shapes = { features, results: entry.docs.map(() => null) };
    entry.shapes.results[position] = result;
    this.changed = true;
    return result;
  }

  hasCustomer(key: string): boolean {
    return Object.hasOwn(this.loaded.customers, key);
  }

  customer(key: string, digest: boolean, compute: () => CustomerResult): CustomerResult {
    const cached = Object.hasOwn(this.loaded.customers, key) ? this.loaded.customers[key] : undefined;
    let result = cached;
    if (!result) {
      result = compute();
      this.changed = true;
    }
    this.used.customers[key] = { resolved: result.resolved, diagnostics: result.diagnostics };
    if (!digest || !result.resolved) return result;
    // the digest's input is large (a customer's whole effective policy): kept apart, read only by runs that need it
    const fresh = result;
    const [stripped] = this.digests().get(key, () => [fresh.stripped ?? compute().stripped!]);
    return { ...result, stripped: stripped! };
  }

  private digests(): TextPack {
    this.digestPack ??= new TextPack(path.join(path.dirname(this.file), 'digest.pack'), 1);
    return this.digestPack;
  }

  /**
   * Ends a run: what it used becomes what the next run may reuse, and is written when it differs from what was
   * read (unless `write` is false: a language server analyses on every keystroke). A cache that cannot be
   * written is skipped.
   */
  save(write = true): void {
    const dropped = Object.keys(this.loaded.files).length !== Object.keys(this.used.files).length || Object.keys(this.loaded.customers).length !== Object.keys(this.used.customers).length;
    if (write && (this.changed || dropped)) writeCheckedJson(this.file, this.used);
    if (write) this.digestPack?.save();
    else this.digestPack?.discard();
    this.digestPack = undefined;
    this.loaded = this.used;
    this.used = { files: {}, customers: {} };
    this.changed = false;
  }
}

function decodeDocs(encoded: EncodedDoc[], source: SourceFile): PolicyDoc[] {
  return encoded.map((e) => ({ source, index: e.index, value: decodeDoc(e), span: e.span }));
}

function isPack(value: unknown): value is Pack {
  return isRecord(value) && isRecord(value.files) && isRecord(value.customers);
}
