// Planning as a library call: policies and a target in, a plan out. The CLI and any other front end
// (a GitHub App) call this and decide how to show progress and problems.
import { sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { policyDigest } from '../resolve/stream.js';
import type { Target } from '../targets/target.js';
import type { OnProgress } from '../util/progress.js';
import type { Analysis } from '../validate/index.js';
import { desiredObjects } from '../plan/desired.js';
import type { DesiredObject } from '../plan/objects.js';
import { computePlan, type Plan } from '../plan/plan.js';
import { unsupportedControls } from '../plan/support.js';
import { checkCatalog, checkUnmanaged } from './catalog.js';

/** The policies use controls the target cannot hold: one diagnostic per place; nothing was planned. */
export class UnsupportedControlsError extends Error {
  constructor(
    readonly diagnostics: Diagnostic[],
    readonly targetName: string,
  ) {
    super(`The policies use ${diagnostics.length} control${diagnostics.length === 1 ? '' : 's'} target ${targetName} cannot hold; nothing was planned.`);
    this.name = 'UnsupportedControlsError';
  }
}

/** What each object should hold on this target; throws UnsupportedControlsError when a control cannot be held. */
export function desiredState(analysis: Analysis, target: Target): Map<string, DesiredObject> {
  const written = desiredObjects(analysis.set);
  const { desired, problems } = target.express?.(written, analysis.set) ?? { desired: written, problems: [] };
  const unsupported = sortDiagnostics([...unsupportedControls(written.values(), target.capabilities, target.name), ...problems]);
  if (unsupported.length > 0) throw new UnsupportedControlsError(unsupported, target.name);
  return desired;
}

export interface MakePlanOptions {
  /** Told as the live state is read and the plan computed. */
  onProgress?: OnProgress;
  /** Told of warnings found against the target (its catalog differs from the policies); errors are thrown. */
  onWarnings?: (diagnostics: Diagnostic[]) => void;
}

/** Desired state from the policies against live state from the target: the plan. */
export async function makePlan(analysis: Analysis, target: Target, options: MakePlanOptions = {}): Promise<Plan> {
  const desired = desiredState(analysis, target);
  const report: OnProgress = options.onProgress ?? (() => undefined);
  const phase = 'reading the billing system';
  report({ phase, done: 0, unit: 'objects' });
  const managed = await target.managedKeys();
  await checkCatalog(analysis, target, desired, options.onWarnings);
  const keys = [...new Set([...desired.keys(), ...managed])].sort();
  const total = keys.length;
  const live = await target.read(keys, (done) => report({ phase, done, total, unit: 'objects' }));
  checkUnmanaged(desired, live, target);
  report({ phase, done: total, total, unit: 'objects' });
  return computePlan({
    set: analysis.set,
    policyDigest: analysis.policyDigest ?? policyDigest(analysis.customers),
    target: { name: target.name, endpoint: target.endpoint },
    desired,
    live,
    onProgress: report,
  });
}
