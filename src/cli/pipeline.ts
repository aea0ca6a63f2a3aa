import { TargetMismatchError } from '../engine/catalog.js';
import { makePlan as engineMakePlan, UnsupportedControlsError } from '../engine/plan.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Plan } from '../plan/plan.js';
import type { Target } from '../targets/target.js';
import type { Analysis } from '../validate/index.js';
import { ExitError } from './exit.js';
import { renderDiagnostics, type CliIO } from './io.js';
import { phaseDisplay } from './progress.js';

/** Runs `step`; controls the target cannot hold, or a catalog it lacks, are printed with their places, and the command exits 1. */
export async function showingUnsupported<T>(analysis: Analysis, io: CliIO, step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof UnsupportedControlsError || error instanceof TargetMismatchError)) throw error;
    io.err(renderDiagnostics(error.diagnostics, 'stylish', analysis.sources, io.colorErr));
    io.err(`${error.message}\n`);
    throw new ExitError(1);
  }
}

/** The engine's plan, with progress on stderr, and unsupported controls and catalog differences printed. */
export async function makePlan(analysis: Analysis, target: Target, io: CliIO): Promise<Plan> {
  const display = phaseDisplay(io);
  const onWarnings = (warnings: Diagnostic[]): void => io.err(renderDiagnostics(warnings, 'stylish', analysis.sources, io.colorErr));
  try {
    return await showingUnsupported(analysis, io, () => engineMakePlan(analysis, target, { onProgress: display.report, onWarnings }));
  } finally {
    display.finish();
  }
}
