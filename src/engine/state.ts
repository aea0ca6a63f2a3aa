// What the state backend remembers, as planning and applying use it: the managed set (with the plan each
// object was written with) and the last-applied records, read once per run.
import { isEmptyControls, type DesiredObject, type LiveObject } from '../plan/objects.js';
import type { AppliedRecord, StateBackend } from '../backend/backend.js';
import { appliedRecord, unrecorded } from '../backend/apply-record.js';
import type { Plan } from '../plan/plan.js';
import type { ReadContext } from '../targets/target.js';

/** The managed set and the last-applied records of one scope. */
export interface RememberedState {
  records: ReadonlyMap<string, AppliedRecord>;
}

/** Reads the managed set and its records from the backend. */
export async function remembered(backend: StateBackend): Promise<RememberedState> {
  const keys = await backend.managedKeys();
  return { records: await backend.lastApplied(keys) };
}

/** What a target is told of the objects it reads: which tollgate wrote before, and on which plan. */
export function readContext(state: RememberedState | undefined): ReadContext {
  const managed = new Map<string, { plan?: string }>();
  for (const [key, record] of state?.records ?? []) managed.set(key, record.plan === undefined ? {} : { plan: record.plan });
  return { managed };
}

/** What `reconcile` set right in the backend without writing to the billing system. */
export interface Reconciled {
  /** Objects that hold what the policies want but had no true record (an apply died between its write and its record). */
  recorded: string[];
  /** Records of objects that hold nothing and that the policies no longer want (an apply died before dropping them). */
  dropped: string[];
}

/**
 * Makes the records true to the live state where the billing system already holds what the policies want:
 * the next apply after one that was killed or lost its database records what that one wrote.
 */
export async function reconcile(
  backend: StateBackend,
  plan: Plan,
  desired: ReadonlyMap<string, DesiredObject>,
  live: ReadonlyMap<string, LiveObject | null>,
  state: RememberedState,
  applyId?: string,
): Promise<Reconciled> {
  const recorded = unrecorded(desired, live, state.records).filter((key) => live.has(key));
  const at = new Date();
  for (const key of recorded) {
    const want = desired.get(key)!;
    await backend.recordApplied(key, appliedRecord(want.controls, { policyDigest: plan.policyDigest, applyId, plan: want.plan, at }));
  }
  const dropped: string[] = [];
  for (const key of state.records.keys()) {
    // only objects read in this run can be judged
    if (!live.has(key)) continue;
    if (!isEmptyControls(desired.get(key)?.controls) || !isEmptyControls(live.get(key)?.controls)) continue;
    await backend.recordRemoved(key);
    dropped.push(key);
  }
  return { recorded, dropped: dropped.sort() };
}
