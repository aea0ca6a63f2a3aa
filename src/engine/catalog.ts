// What the target holds beyond controls, against the policies, at plan time: its catalog (warnings are told and the
// plan goes on; errors stop it), and entries tollgate does not manage that a write would replace (they stop it).
import { sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { DesiredObject, LiveObject } from '../plan/objects.js';
import { unmanagedConflicts } from '../plan/unmanaged-conflicts.js';
import type { Target } from '../targets/target.js';
import type { Analysis } from '../validate/index.js';

/** The policies do not fit what the target holds (a plan it lacks, an entry a write would replace): one diagnostic per place; nothing was planned. */
export class TargetMismatchError extends Error {
  constructor(
    readonly diagnostics: Diagnostic[],
    message: string,
  ) {
    super(message);
    this.name = 'TargetMismatchError';
  }
}

/** Stops the plan where a control would replace an entry the target holds that tollgate does not manage. */
export function checkUnmanaged(desired: ReadonlyMap<string, DesiredObject>, live: ReadonlyMap<string, LiveObject | null>, target: Target): void {
  const found = sortDiagnostics(unmanagedConflicts(desired, live, `target ${target.name}`));
  if (found.length === 0) return;
  const n = found.length;
  throw new TargetMismatchError(found, `${n} control${n === 1 ? '' : 's'} would replace entries target ${target.name} holds that tollgate does not manage; nothing was planned.`);
}

/** Compares the policies with the target's catalog, when it has one: warnings go to `onWarnings`, errors throw TargetMismatchError. */
export async function checkCatalog(
  analysis: Analysis,
  target: Target,
  desired: ReadonlyMap<string, DesiredObject>,
  onWarnings: (diagnostics: Diagnostic[]) => void = () => undefined,
): Promise<void> {
  const found = sortDiagnostics((await target.checkCatalog?.(analysis.set, desired)) ?? []);
  const errors = found.filter((d) => d.severity === 'error').length;
  if (errors > 0) throw new TargetMismatchError(found, `The policies set controls on ${errors} plan${errors === 1 ? '' : 's'} target ${target.name} does not have; nothing was planned.`);
  if (found.length > 0) onWarnings(found);
}
