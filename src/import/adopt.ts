// After import the policies say what the billing system holds; adopting records the imported objects as managed by
// tollgate, as `terraform import` records what it imported, so that plan shows no changes and deleting an imported
// file later plans clearing that customer's overrides. The state backend records every imported object that holds
// controls; Autumn also keeps its marker in customer metadata, which adopting writes (metadata only). An imported
// object whose controls differ from its new policy would be a bug in import, and nothing of it is written.
import type { ApplyOptions, ApplyReport } from '../apply/apply.js';
import type { Lock, StateBackend } from '../backend/backend.js';
import { applyRecorded } from '../engine/apply.js';
import { planInDetail } from '../engine/plan.js';
import { reconcile, remembered } from '../engine/state.js';
import { customerOf, describeRef } from '../plan/objects.js';
import type { ObjectPlan } from '../plan/plan.js';
import type { Target } from '../targets/target.js';
import type { OnProgress } from '../util/progress.js';
import type { Analysis } from '../validate/index.js';

export interface AdoptOptions {
  /** Told while the live state is read and planned. */
  onProgress?: OnProgress;
  apply?: ApplyOptions;
}

/** The state backend, with its apply lock held by the caller, and who adopts (for the apply history). */
export interface AdoptState {
  backend: StateBackend;
  lock: Lock;
  actor: string;
  commit?: string;
}

export interface AdoptResult {
  /** The marker writes planned for imported customers (none on a target that keeps no marker in the billing system). */
  objects: ObjectPlan[];
  /** What writing them did; undefined when there was nothing to write. */
  report?: ApplyReport;
  /** Objects the state backend now records as managed (imported ones, and any others already holding what the policies want). */
  recorded: string[];
  /** Imported objects whose controls the new policies would change: a bug in import; nothing of them is written. */
  differing: string[];
}

/** Plans the policies in `analysis` against the target, writes the marker of the imported customers only, and records them in the backend. */
export async function adoptImported(analysis: Analysis, target: Target, customers: readonly string[], state: AdoptState, options: AdoptOptions = {}): Promise<AdoptResult> {
  const imported = new Set(customers);
  const before = await remembered(state.backend);
  const { plan, desired, live } = await planInDetail(analysis, target, { state: before, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  const mine = plan.objects.filter((o) => imported.has(customerOf(o.ref) ?? ''));
  const differing = mine.filter((o) => o.changes.length > 0).map((o) => describeRef(o.ref));
  if (differing.length > 0) return { objects: [], recorded: [], differing };
  const objects = mine.filter((o) => o.marker !== undefined);
  let report: ApplyReport | undefined;
  if (objects.length > 0) {
    const run = await applyRecorded({ ...plan, objects }, target, state.backend, { ...options.apply, lock: state.lock, actor: state.actor, ...(state.commit === undefined ? {} : { commit: state.commit }) });
    report = run.report;
  }
  // objects that already hold what the policies want and have no record yet: every imported object holding controls
  const { recorded } = await reconcile(state.backend, plan, desired, live, before);
  return { objects, ...(report ? { report } : {}), recorded, differing };
}
