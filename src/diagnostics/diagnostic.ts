import { DIAGNOSTIC_CODES, type DiagnosticCode } from './codes.js';

export type Severity = 'error' | 'warning';

/** A place in a policy file: 1-based line and column, plus the JSON pointer inside its YAML document. */
export interface Location {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  pointer: string;
}

/** One problem found in the policies, from any pass: YAML, schema or semantic rules. */
export interface Diagnostic extends Location {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  /** Other places that explain this one, such as the first definition of a duplicate id. */
  related?: Array<Location & { message: string }>;
  /** Set on a diagnostic that counts this many others of its code in its file, not listed one by one. */
  omitted?: number;
}

/** Builds a diagnostic whose severity comes from the code registry. */
export function diagnostic(
  code: DiagnosticCode,
  message: string,
  at: Location,
  related?: Diagnostic['related'],
): Diagnostic {
  const d: Diagnostic = { code, severity: DIAGNOSTIC_CODES[code].severity, message, ...at };
  if (related && related.length > 0) d.related = related;
  return d;
}

/**
 * Orders diagnostics by file, then position, then code and message, so every output is stable. The order is
 * total (the rest of a diagnostic breaks ties): the same diagnostics sort the same whatever order they came in.
 */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.column - b.column ||
      // the note on what a broken definition leaves unchecked follows that definition's own error, whatever its code
      Number(a.code === 'unresolved-dependents') - Number(b.code === 'unresolved-dependents') ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0) ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0) ||
      tieBreak(a, b),
  );
}

/** Compares what the main order leaves out; rare, so its cost does not matter. */
function tieBreak(a: Diagnostic, b: Diagnostic): number {
  const rest = (d: Diagnostic) => JSON.stringify([d.endLine, d.endColumn, d.pointer, d.severity, d.related ?? [], d.omitted ?? 0]);
  const [x, y] = [rest(a), rest(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

export interface DiagnosticSummary {
  errors: number;
  warnings: number;
}

/** Counts errors and warnings, including those a count stands for. */
export function summarize(diagnostics: readonly Diagnostic[]): DiagnosticSummary {
  let errors = 0;
  let warnings = 0;
  for (const d of diagnostics) {
    if (d.severity === 'error') errors += d.omitted ?? 1;
    else warnings += d.omitted ?? 1;
  }
  return { errors, warnings };
}
