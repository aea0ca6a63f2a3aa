// After import the policies say what the billing system holds, but a target may also keep a record of which
// objects tollgate manages (Autumn: the tollgate_managed marker in customer metadata). Adopting writes that
// record for the imported customers, as `terraform import` records what it imported, so that plan shows no
// changes and deleting an imported file later plans clearing that customer's overrides; Owostack keeps its
// managed set in a file, which gains them. It writes only the record: an imported object whose controls differ
// from its new policy would be a bug, and is not written.
import { applyPlan, type ApplyOptions, type ApplyReport } from '../apply/apply.js';
import { desiredState, makePlan } from '../engine/plan.js';
import { customerOf, describeRef, isEmptyControls, objectKey } from '../plan/objects.js';
import type { ObjectPlan } from '../plan/plan.js';
import type { Target } from '../targets/target.js';
import type { OnProgress } from '../util/progress.js';
import type { Analysis } from '../validate/index.js';

export interface AdoptOptions {
  /** Told while the live state is read and planned. */
  onProgress?: OnProgress;
  apply?: ApplyOptions;
}

export interface AdoptResult {
  /** The record writes planned for imported customers (none on a target that keeps no record in the billing system). */
  objects: ObjectPlan[];
  /** What writing them did; undefined when there was nothing to write. */
  report?: ApplyReport;
  /** Imported objects whose controls the new policies would change: a bug in import; nothing of them is written. */
  differing: string[];
}

/** Plans the policies in `analysis` against the target and writes the management record of the imported customers only. */
export async function adoptImported(analysis: Analysis, target: Target, customers: readonly string[], options: AdoptOptions = {}): Promise<AdoptResult> {
  const imported = new Set(customers);
  const plan = await makePlan(analysis, target, options.onProgress ? { onProgress: options.onProgress } : {});
  const mine = plan.objects.filter((o) => imported.has(customerOf(o.ref) ?? ''));
  const differing = mine.filter((o) => o.changes.length > 0).map((o) => describeRef(o.ref));
  const objects = mine.filter((o) => o.changes.length === 0 && o.marker !== undefined);
  if (target.adopt && differing.length === 0) {
    // A target that keeps its managed set apart (Owostack's file) records the imported objects that hold controls.
    const held = [...desiredState(analysis, target).values()].filter((o) => imported.has(customerOf(o.ref) ?? '') && !isEmptyControls(o.controls));
    await target.adopt(held.map((o) => ({ key: objectKey(o.ref), ...(o.plan !== undefined ? { plan: o.plan } : {}) })));
  }
  if (objects.length === 0) return { objects, differing };
  const report = await applyPlan({ ...plan, objects }, target, options.apply);
  return { objects, report, differing };
}
