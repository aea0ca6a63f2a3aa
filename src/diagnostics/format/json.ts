import { sortDiagnostics, summarize, type Diagnostic } from '../diagnostic.js';
import type { FormatContext } from './context.js';

/** One diagnostic as SPEC §3 prints it; the key order is part of the contract. */
interface JsonDiagnostic {
  code: string;
  severity: string;
  message: string;
  file: string;
  line: number;
  column: number;
  pointer: string;
}

/**
 * The SPEC §3 report: `{"diagnostics": [...], "summary": {"errors", "warnings"}}`, 2-space indented; with guardrails,
 * also `"guardrails": {"passed", "waived", "failed", "advisory"}`.
 */
export function formatJson(diagnostics: readonly Diagnostic[], ctx: FormatContext): string {
  const sorted = sortDiagnostics([...diagnostics]);
  const report = {
    diagnostics: sorted.map(
      (d): JsonDiagnostic => ({
        code: d.code,
        severity: d.severity,
        message: d.message,
        file: d.file,
        line: d.line,
        column: d.column,
        pointer: d.pointer,
      }),
    ),
    summary: summarize(sorted),
    ...(ctx.guardrails ? { guardrails: ctx.guardrails } : {}),
  };
  return JSON.stringify(report, null, 2) + '\n';
}
