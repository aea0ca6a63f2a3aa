import { analyze, type Analysis, type AnalyzeOptions } from '../validate/index.js';
import { summarize, type Diagnostic } from '../diagnostics/diagnostic.js';
import { renderDiagnostics, type CliIO } from './io.js';
import { ExitError } from './exit.js';
import { phaseDisplay } from './progress.js';
import path from 'node:path';
import { CACHE_DIR, PolicyCache } from '../cache/policy-cache.js';
import { validateIncrementally, wholeOutcome, type ValidateOutcome } from '../validate/incremental.js';
import { saveValidatorCodeCache, useValidatorCodeCache } from '../validate/schema.js';
import { CACHE_KEY } from '../cache/cache-key.js';
import type { SourceFile } from '../util/source-file.js';

/**
 * Analyzes the policies; on errors prints them to stderr and exits 1, so later stages only see valid input. With
 * `guardrailsLater`, failing guardrails do not stop it: plan shows them in its own section, apply refuses by name.
 */
export function loadValid(dir: string, io: CliIO, options: AnalyzeOptions & { guardrailsLater?: boolean } = {}, home = '.'): Analysis {
  const analysis = analyzeShowingProgress(dir, io, options, home);
  if (errorsIn(analysis.diagnostics, options.guardrailsLater) > 0) {
    analysis.precompiled?.close();
    // the customers left to the writer are checked now, so that the refusal shows all that validate would
    refuse(dir, io, analysis.unchecked?.finish() ?? analysis.diagnostics, analysis.sources, options.guardrailsLater);
  }
  return analysis;
}

/** The errors among `diagnostics`; with `guardrailsLater`, failing guardrails are not counted. */
function errorsIn(diagnostics: Diagnostic[], guardrailsLater = false): number {
  return summarize(guardrailsLater ? diagnostics.filter((d) => !isGuardrailFailure(d)) : diagnostics).errors;
}

/** Prints the diagnostics of policies with errors to stderr, and exits 1. */
export function refuse(dir: string, io: CliIO, diagnostics: Diagnostic[], sources: Map<string, SourceFile>, guardrailsLater = false): never {
  const errors = errorsIn(diagnostics, guardrailsLater);
  io.err(renderDiagnostics(diagnostics, 'stylish', sources, io.colorErr));
  io.err(`The policies in ${dir} have ${errors} error${errors === 1 ? '' : 's'}; fix them first (tollgate validate --dir ${dir}).\n`);
  throw new ExitError(1);
}

/**
 * Analyzes the policies with progress on stderr while reading and checking take long. The cache is the one
 * under `home` (the directory a saved plan was made in, else the current one), beside the other records.
 */
export function analyzeShowingProgress(dir: string, io: CliIO, options: AnalyzeOptions = {}, home = '.'): Analysis {
  const display = phaseDisplay(io);
  // Results of earlier runs, for the files and customers that did not change (TOLLGATE_CACHE=off: none).
  const cache = io.env.TOLLGATE_CACHE === 'off' ? undefined : new PolicyCache(path.join(home, CACHE_DIR));
  if (cache) useValidatorCodeCache(path.join(home, CACHE_DIR, CACHE_KEY, 'validators.v8'));
  try {
    const analysis = analyze(dir, { parallel: io.env.TOLLGATE_WORKERS !== 'off', ...options, onProgress: display.report, ...(cache ? { cache } : {}) });
    try {
      // the results of customers checked while writing the artifact join the cache once they are in
      if (analysis.unchecked && cache) analysis.unchecked.whenFinished(() => cache.save());
      else cache?.save();
      if (cache) saveValidatorCodeCache();
    } catch (error) {
      // workers compiling ahead (compile) must not be left waiting
      analysis.precompiled?.close();
      throw error;
    }
    return analysis;
  } finally {
    display.finish();
  }
}

/**
 * What validate prints, with progress: from the index of the last run where only customer files changed (see
 * validate/incremental.ts), else from a whole analysis; TOLLGATE_CACHE=off analyses the whole every time.
 */
export function validateShowingProgress(dir: string, io: CliIO, options: AnalyzeOptions = {}): ValidateOutcome {
  if (io.env.TOLLGATE_CACHE === 'off') return wholeOutcome(analyzeShowingProgress(dir, io, options));
  const display = phaseDisplay(io);
  useValidatorCodeCache(path.join(CACHE_DIR, CACHE_KEY, 'validators.v8'));
  try {
    return validateIncrementally(dir, {
      parallel: io.env.TOLLGATE_WORKERS !== 'off',
      ...options,
      onProgress: display.report,
      index: path.join(CACHE_DIR, CACHE_KEY, 'validate.index'),
      wholeCache: () => new PolicyCache(CACHE_DIR),
    });
  } finally {
    saveValidatorCodeCache();
    display.finish();
  }
}

/** A guardrail that fails (any level): reported with the guardrails rather than with the policy errors. */
export function isGuardrailFailure(d: Diagnostic): boolean {
  return d.code === 'guardrail-soft' || d.code === 'guardrail-hard' || d.code === 'guardrail-advisory';
}
