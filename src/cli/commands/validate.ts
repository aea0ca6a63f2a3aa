import { summarize } from '../../diagnostics/diagnostic.js';
import type { DiagnosticFormat } from '../../diagnostics/format/index.js';
import { renderDiagnostics, type CliIO } from '../io.js';
import { validateShowingProgress } from '../load.js';
import { tallyOf } from '../../guardrails/report.js';
import type { ResolveTime } from '../time.js';

export interface ValidateOptions {
  dir: string;
  format: DiagnosticFormat;
  strict: boolean;
  /** The instant to resolve at, and the warning window of exceptions and waivers. */
  time?: ResolveTime;
}

/** `tollgate validate`: every diagnostic in the chosen format; exit 1 on errors (or warnings with --strict). */
export function validateCommand(options: ValidateOptions, io: CliIO): number {
  const analysis = validateShowingProgress(options.dir, io, options.time);
  const tally = analysis.guardrails ? tallyOf(analysis.guardrails) : undefined;
  io.out(renderDiagnostics(analysis.diagnostics, options.format, analysis.sources, io.color, tally));
  const { errors, warnings } = summarize(analysis.diagnostics);
  if (errors > 0) return 1;
  if (options.strict && warnings > 0) {
    // stderr, so json, github and sarif output on stdout stays a report and nothing else
    io.err(`--strict makes warnings fail: ${warnings} warning${warnings === 1 ? '' : 's'} and no errors (without --strict, validate passes).\n`);
    return 1;
  }
  return 0;
}
