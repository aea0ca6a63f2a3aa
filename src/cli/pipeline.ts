import { makePlan as engineMakePlan, UnsupportedControlsError, type UsageInput } from '../engine/plan.js';
import type { Plan } from '../plan/plan.js';
import type { Target } from '../targets/target.js';
import type { Analysis } from '../validate/index.js';
import { ExitError } from './exit.js';
import { renderDiagnostics, type CliIO } from './io.js';
import { phaseDisplay } from './progress.js';

/** Runs `step`; controls the target cannot hold are printed with their places, and the command exits 1. */
export async function showingUnsupported<T>(analysis: Analysis, io: CliIO, step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof UnsupportedControlsError)) throw error;
    io.err(renderDiagnostics(error.diagnostics, 'stylish', analysis.sources, io.colorErr));
    io.err(`${error.message}\n`);
    throw new ExitError(1);
  }
}

/** The engine's plan, with progress on stderr and unsupported controls printed. */
export async function makePlan(analysis: Analysis, target: Target, io: CliIO, usage?: UsageInput): Promise<Plan> {
  const display = phaseDisplay(io);
  try {
    return await showingUnsupported(analysis, io, () => engineMakePlan(analysis, target, { onProgress: display.report, ...(usage ? { usage } : {}) }));
  } finally {
    display.finish();
  }
}
