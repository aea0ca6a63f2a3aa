import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { NamedBrokenDocument, PolicyDoc } from '../load/yaml.js';
import type { EncodedDoc } from '../load/doc-codec.js';
import type { SourceFile } from '../util/source-file.js';
import type { DocumentKind } from './schema.js';

/** A file's YAML documents and problems, as parsePolicyYaml returns them. */
export interface ParsedFile {
  docs: PolicyDoc[];
  diagnostics: Diagnostic[];
  broken: NamedBrokenDocument[];
  /** The documents encoded (load/doc-codec.ts), where a parse worker sent them so: a cache keeps them as they are. */
  encoded?: EncodedDoc[];
}

/** One document's schema check, as validateShape returns it. */
export interface ShapeResult {
  kind?: DocumentKind;
  diagnostics: Diagnostic[];
}

/** What analysing one customer yields: the checks on its resolved policy, and its digest input. */
export interface CustomerResult {
  /** False when the customer does not resolve (validation reports why elsewhere). */
  resolved: boolean;
  diagnostics: Diagnostic[];
  /** The customer's effective policy as the digest reads it (strippedJson), when asked for. */
  stripped?: string;
}

/**
 * Results analyze() may take from an earlier run instead of computing them. Each call names what the result
 * depends on; the cache answers only for exactly that, and otherwise runs `compute` and keeps its result.
 */
export interface AnalysisCache {
  /** Whether the parse of a file's text is held (so it need not be parsed, on this thread or another). */
  has(source: SourceFile): boolean;
  /** A file's parse, keyed by its path and text. */
  parse(source: SourceFile, compute: () => ParsedFile): ParsedFile;
  /** A document's schema check, keyed by its file, its index and the feature ids and types (`features`, a hash). */
  shape(doc: PolicyDoc, features: string, compute: () => ShapeResult): ShapeResult;
  /** A hash of a file's path and text, for keys built from several files. An analysis sees one text per path. */
  fileKey(source: SourceFile): string;
  /** A customer's result, keyed by `key` (a hash of everything it depends on); `stripped` is needed when `digest`. */
  customer(key: string, digest: boolean, compute: () => CustomerResult): CustomerResult;
  /** Whether a customer's result is held (customer() would not compute it). */
  hasCustomer(key: string): boolean;
}
