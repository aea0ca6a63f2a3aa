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

/** Orders diagnostics by file, then position, then code, so every output is stable. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.column - b.column ||
      // the note on what a broken definition leaves unchecked follows that definition's own error, whatever its code
      Number(a.code === 'unresolved-dependents') - Number(b.code === 'unresolved-dependents') ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0) ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
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
