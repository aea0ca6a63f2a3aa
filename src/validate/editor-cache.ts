import { createHash } from 'node:crypto';
import type { PolicyDoc } from '../load/yaml.js';
import type { SourceFile } from '../util/source-file.js';
import type { AnalysisCache, CustomerResult, ParsedFile, ShapeResult } from './analysis-cache.js';

interface FileEntry {
  parsed: ParsedFile;
  /** Parsed by the disk cache (which then also holds its schema checks). */
  fromDisk: boolean;
  /** Schema checks by document index, for one set of feature ids and types. */
  shapes?: { features: string; results: Map<number, ShapeResult> };
}

/**
 * Analysis results kept in memory between the analyses of a resident workspace (the language server,
 * `validate --watch`), so that an edit re-parses only the files it changed and re-checks only the customers they
 * touch. Entries live as long as the files and customers they belong to: a file's parse is forgotten when its
 * text changes, a customer's result when it is checked under another key (keyed()), and a run of the whole
 * forgets the parses it did not use, and the customer results it did not use unless it used none (a run with
 * unusable definitions checks every customer afresh, and the next run should not pay for that again). `disk`,
 * the cache earlier commands wrote, answers what memory lacks during the first analysis only.
 */
export class EditorCache implements AnalysisCache {
  private readonly keys = new Map<string, { text: string; key: string }>();
  private readonly files = new Map<string, FileEntry>();
  private readonly customers = new Map<string, CustomerResult>();
  /** The key each customer was last checked under, by customer id. */
  private readonly customerKeys = new Map<string, string>();
  private usedFiles = new Set<string>();
  private usedCustomers = new Set<string>();

  constructor(private disk?: AnalysisCache) {}

  /** The key of a file's path and text, computed again only when its text changed. */
  fileKey(source: SourceFile): string {
    const known = this.keys.get(source.path);
    if (known && known.text === source.text) return known.key;
    // the file's earlier text is gone: so are its parse and checks (a run sees one text per file)
    if (known) this.forgetFile(known.key);
    // the disk cache's own key when there is one, so that its customer results match
    const key = this.disk?.fileKey(source) ?? createHash('sha256').update(source.path).update('\u0000').update(source.text).digest('hex');
    this.keys.set(source.path, { text: source.text, key });
    return key;
  }

  has(source: SourceFile): boolean {
    return this.files.has(this.fileKey(source)) || (this.disk?.has(source) ?? false);
  }

  parse(source: SourceFile, compute: () => ParsedFile): ParsedFile {
    const key = this.fileKey(source);
    this.usedFiles.add(key);
    let entry = this.files.get(key);
    if (!entry) {
      // only what the disk cache holds goes through it: it would encode every other parse to keep it
      const fromDisk = this.disk?.has(source) ?? false;
      entry = { parsed: fromDisk ? this.disk!.parse(source, compute) : compute(), fromDisk };
      this.files.set(key, entry);
    }
    const { parsed } = entry;
    // the documents of this run name this run's source (same path and text), as a fresh parse would
    return parsed.docs.every((d) => d.source === source) ? parsed : { ...parsed, docs: parsed.docs.map((d) => ({ ...d, source })) };
  }

  shape(doc: PolicyDoc, features: string, compute: () => ShapeResult): ShapeResult {
    const entry = this.files.get(this.fileKey(doc.source));
    if (!entry) return compute();
    if (entry.shapes?.features !== features) entry.shapes = { features, results: new Map() };
    let result = entry.shapes.results.get(doc.index);
    if (!result) {
      result = this.disk && entry.fromDisk ? this.disk.shape(doc, features, compute) : compute();
      entry.shapes.results.set(doc.index, result);
    }
    return result;
  }

  hasCustomer(key: string): boolean {
    return this.customers.has(key) || (this.disk?.hasCustomer(key) ?? false);
  }

  customer(key: string, digest: boolean, compute: () => CustomerResult): CustomerResult {
    this.usedCustomers.add(key);
    let result = this.customers.get(key);
    if (!result || (digest && result.resolved && result.stripped === undefined)) {
      result = this.disk ? this.disk.customer(key, digest, compute) : compute();
      this.customers.set(key, result);
    }
    return result;
  }

  /**
   * After an analysis, of the whole or of a part: the customers' keys it used, by customer id (Analysis.customerKeys).
   * A customer checked under a new key (its file, or a file it depends on, changed) has its result under the old
   * one forgotten, so that an analysis of a part, which does not end a run, keeps no more than it needs.
   */
  keyed(customerKeys: ReadonlyMap<string, string>): void {
    for (const [id, key] of customerKeys) {
      const old = this.customerKeys.get(id);
      if (old !== undefined && old !== key) {
        this.customers.delete(old);
        this.usedCustomers.delete(old);
      }
      this.customerKeys.set(id, key);
    }
  }

  private forgetFile(key: string): void {
    this.files.delete(key);
    this.usedFiles.delete(key);
  }

  /** Starts an analysis: what it uses is counted from here (an analysis of a part before it does not count for the whole's endRun). */
  beginRun(): void {
    this.usedFiles = new Set();
    this.usedCustomers = new Set();
  }

  /** Ends an analysis of the whole: what it did not use is forgotten (see the class comment), and the disk cache is let go. */
  endRun(): void {
    for (const key of this.files.keys()) if (!this.usedFiles.has(key)) this.files.delete(key);
    if (this.usedCustomers.size > 0) for (const key of this.customers.keys()) if (!this.usedCustomers.has(key)) this.customers.delete(key);
    if (this.keys.size > this.usedFiles.size) for (const [path, { key }] of this.keys) if (!this.usedFiles.has(key)) this.keys.delete(path);
    for (const [id, key] of this.customerKeys) if (!this.customers.has(key)) this.customerKeys.delete(id);
    this.usedFiles = new Set();
    this.usedCustomers = new Set();
    this.disk = undefined;
  }
}
