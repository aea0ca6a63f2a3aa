import type { ApplyReport } from '../apply/apply.js';
import { sameControls } from '../apply/apply.js';
import { isEmptyControls, type DesiredObject, type LiveObject, type ObjectControls } from '../plan/objects.js';
import type { ObjectPlan, Plan } from '../plan/plan.js';
import { digestOf, fingerprint } from '../resolve/canonical.js';
import type { AppliedRecord, ApplyCounts, ApplyResult, ObjectOutcome, StateBackend } from './backend.js';

// What apply tells the backend, in the backend's terms: pure helpers, so that the executor's caller only
// has to call them at the right moments (see docs/state-backend.md).

/** The digest of what a plan writes (its objects and their planned states), recorded with each object. */
export function planDigest(plan: Plan): string {
  return digestOf({ policyDigest: plan.policyDigest, target: plan.target, objects: plan.objects.map((o) => [o.key, o.fingerprint, o.after]) });
}

/** Records one object just written: its record, or its removal when it now holds nothing. */
export async function recordWritten(backend: StateBackend, plan: Plan, object: ObjectPlan, context: { applyId: string; planDigest: string; at?: Date }): Promise<void> {
  if (isEmptyControls(object.after)) return backend.recordRemoved(object.key);
  const record = appliedRecord(object.after, { policyDigest: plan.policyDigest, planDigest: context.planDigest, applyId: context.applyId, plan: object.plan, at: context.at });
  return backend.recordApplied(object.key, record);
}

/** The record of an object holding `controls` as tollgate wrote them; optional parts are left out when absent. */
export function appliedRecord(
  controls: ObjectControls,
  from: { policyDigest: string; planDigest?: string; applyId?: string; plan?: string; at?: Date },
): AppliedRecord {
  // what `plan` computes from the live state once the write holds: drift is a live fingerprint that differs
  const record: AppliedRecord = { controls, fingerprint: fingerprint(controls), policyDigest: from.policyDigest, at: (from.at ?? new Date()).toISOString() };
  if (from.planDigest !== undefined) record.planDigest = from.planDigest;
  if (from.applyId !== undefined) record.applyId = from.applyId;
  if (from.plan !== undefined) record.plan = from.plan;
  return record;
}

/**
 * Objects that already hold what the policies want but whose record is missing or stale: written by an
 * apply whose backend went away before it could record them. The next apply records them without writing.
 */
export function unrecorded(
  desired: ReadonlyMap<string, DesiredObject>,
  live: ReadonlyMap<string, LiveObject | null>,
  records: ReadonlyMap<string, AppliedRecord>,
): string[] {
  const keys: string[] = [];
  for (const [key, want] of desired) {
    const have = live.get(key)?.controls;
    if (isEmptyControls(want.controls) || !sameControls(have, want.controls)) continue;
    const record = records.get(key);
    if (!record || record.fingerprint !== fingerprint(have)) keys.push(key);
  }
  return keys.sort();
}

/** The history entry's closing figures for an executor report. */
export function historyOf(report: ApplyReport): { counts: ApplyCounts; result: Exclude<ApplyResult, 'unfinished'>; outcomes: ObjectOutcome[] } {
  const outcomes: ObjectOutcome[] = [
    ...report.applied.map((key): ObjectOutcome => ({ key, outcome: 'applied' })),
    ...report.failed.map((f): ObjectOutcome => ({ key: f.key, outcome: 'failed', message: f.message })),
    ...report.notAttempted.map((key): ObjectOutcome => ({ key, outcome: 'not-attempted' })),
  ];
  const counts = { applied: report.applied.length, failed: report.failed.length, notAttempted: report.notAttempted.length };
  const result = report.stopped === 'interrupted' ? 'interrupted' : counts.failed > 0 || counts.notAttempted > 0 ? 'failed' : 'succeeded';
  return { counts, result, outcomes };
}
