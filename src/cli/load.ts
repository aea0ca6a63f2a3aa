import { analyze, type Analysis, type AnalyzeOptions } from '../validate/index.js';
import { summarize, type Diagnostic } from '../diagnostics/diagnostic.js';
import { renderDiagnostics, type CliIO } from './io.js';
import { ExitError } from './exit.js';
import { phaseDisplay } from './progress.js';

/**
 * Analyzes the policies; on errors prints them to stderr and exits 1, so later stages only see valid input. With
 * `guardrailsLater`, failing guardrails do not stop it: plan shows them in its own section, apply refuses by name.
 */
export function loadValid(dir: string, io: CliIO, options: AnalyzeOptions & { guardrailsLater?: boolean } = {}): Analysis {
  const analysis = analyzeShowingProgress(dir, io, options);
  const counted = options.guardrailsLater ? analysis.diagnostics.filter((d) => !isGuardrailFailure(d)) : analysis.diagnostics;
  const { errors } = summarize(counted);
  if (errors > 0) {
    io.err(renderDiagnostics(analysis.diagnostics, 'stylish', analysis.sources, io.colorErr));
    io.err(`The policies in ${dir} have ${errors} error${errors === 1 ? '' : 's'}; fix them first (tollgate validate --dir ${dir}).\n`);
    throw new ExitError(1);
  }
  return analysis;
}

/** Analyzes the policies with progress on stderr while reading and checking take long. */
export function analyzeShowingProgress(dir: string, io: CliIO, options: AnalyzeOptions = {}): Analysis {
  const display = phaseDisplay(io);
  try {
    return analyze(dir, { ...options, onProgress: display.report });
  } finally {
    display.finish();
  }
}

/** A guardrail that fails (any level): reported with the guardrails rather than with the policy errors. */
export function isGuardrailFailure(d: Diagnostic): boolean {
  return d.code === 'guardrail-soft' || d.code === 'guardrail-hard' || d.code === 'guardrail-advisory';
}
