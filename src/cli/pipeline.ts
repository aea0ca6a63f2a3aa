import { sortDiagnostics } from '../diagnostics/diagnostic.js';
import { desiredObjects } from '../plan/desired.js';
import type { DesiredObject } from '../plan/objects.js';
import { computePlan, type Plan } from '../plan/plan.js';
import { unsupportedControls } from '../plan/support.js';
import type { Target } from '../targets/target.js';
import type { Analysis } from '../validate/index.js';
import { policyDigest } from '../resolve/stream.js';
import { ExitError } from './exit.js';
import { renderDiagnostics, type CliIO } from './io.js';
import { phaseDisplay } from './progress.js';

/** What each object should hold on this target; a control the target cannot hold is printed and exits 1. */
export function desiredState(analysis: Analysis, target: Target, io: CliIO): Map<string, DesiredObject> {
  const written = desiredObjects(analysis.set);
  const { desired, problems } = target.express?.(written, analysis.set) ?? { desired: written, problems: [] };
  const unsupported = sortDiagnostics([...unsupportedControls(written.values(), target.capabilities, target.name), ...problems]);
  if (unsupported.length > 0) {
    io.err(renderDiagnostics(unsupported, 'stylish', analysis.sources, io.colorErr));
    io.err(`The policies use ${unsupported.length} control${unsupported.length === 1 ? '' : 's'} target ${target.name} cannot hold; nothing was planned.\n`);
    throw new ExitError(1);
  }
  return desired;
}

/** Desired state from the policies against live state from the target: the plan. */
export async function makePlan(analysis: Analysis, target: Target, io: CliIO): Promise<Plan> {
  const desired = desiredState(analysis, target, io);
  const display = phaseDisplay(io);
  try {
    const phase = 'reading the billing system';
    display.report({ phase, done: 0, unit: 'objects' });
    const managed = await target.managedKeys();
    const keys = [...new Set([...desired.keys(), ...managed])].sort();
    const total = keys.length;
    const live = await target.read(keys, (done) => display.report({ phase, done, total, unit: 'objects' }));
    display.report({ phase, done: total, total, unit: 'objects' });
    return computePlan({
      set: analysis.set,
      policyDigest: analysis.policyDigest ?? policyDigest(analysis.customers),
      target: { name: target.name, endpoint: target.endpoint },
      desired,
      live,
      onProgress: display.report,
    });
  } finally {
    display.finish();
  }
}
