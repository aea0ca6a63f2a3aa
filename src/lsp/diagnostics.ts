import { DiagnosticSeverity, type Diagnostic as LspDiagnostic, type Range } from 'vscode-languageserver';
import type { Diagnostic, Location } from '../diagnostics/diagnostic.js';
import { absolutePath, pathToUri } from './paths.js';

/** An LSP range (0-based) from a tollgate location (1-based). */
export function toRange(at: Location): Range {
  const start = { line: at.line - 1, character: at.column - 1 };
  const end = { line: at.endLine - 1, character: at.endColumn - 1 };
  // a location that marks a point still underlines one character, as the stylish formatter's caret does
  if (end.line < start.line || (end.line === start.line && end.character <= start.character)) return { start, end: { line: start.line, character: start.character + 1 } };
  return { start, end };
}

/** tollgate's diagnostics grouped by the URI of their file, as LSP publishes them. */
export function diagnosticsByUri(diagnostics: readonly Diagnostic[]): Map<string, LspDiagnostic[]> {
  const out = new Map<string, LspDiagnostic[]>();
  for (const d of diagnostics) {
    const uri = pathToUri(absolutePath(d.file));
    let list = out.get(uri);
    if (!list) out.set(uri, (list = []));
    list.push(toLspDiagnostic(d));
  }
  return out;
}

function toLspDiagnostic(d: Diagnostic): LspDiagnostic {
  const out: LspDiagnostic = {
    range: toRange(d),
    severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: 'tollgate',
    message: d.message,
  };
  if (d.related) {
    out.relatedInformation = d.related.map((r) => ({ location: { uri: pathToUri(absolutePath(r.file)), range: toRange(r) }, message: r.message }));
  }
  return out;
}
