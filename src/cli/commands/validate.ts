import { summarize } from '../../diagnostics/diagnostic.js';
import type { DiagnosticFormat } from '../../diagnostics/format/index.js';
import { renderDiagnostics, type CliIO } from '../io.js';
import { analyzeShowingProgress } from '../load.js';

export interface ValidateOptions {
  dir: string;
  format: DiagnosticFormat;
  strict: boolean;
}

/** `tollgate validate`: every diagnostic in the chosen format; exit 1 on errors (or warnings with --strict). */
export function validateCommand(options: ValidateOptions, io: CliIO): number {
  const analysis = analyzeShowingProgress(options.dir, io);
  io.out(renderDiagnostics(analysis.diagnostics, options.format, analysis.sources, io.color));
  const { errors, warnings } = summarize(analysis.diagnostics);
  return errors > 0 || (options.strict && warnings > 0) ? 1 : 0;
}
