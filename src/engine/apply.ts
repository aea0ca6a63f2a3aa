// Applying as a library call, with the state backend: the caller holds the lock; this opens a history entry,
// records every object as its write is confirmed, and closes the entry with the outcomes.
import os from 'node:os';
import { applyPlan, type ApplyOptions, type ApplyReport } from '../apply/apply.js';
import { historyOf, planDigest } from '../backend/apply-record.js';
import type { Lock, StateBackend } from '../backend/backend.js';
import { recordingHooks } from '../backend/recording.js';
import type { Plan } from '../plan/plan.js';
import type { Target } from '../targets/target.js';

export interface RecordedApplyOptions extends ApplyOptions {
  /** The apply lock, held by the caller: when it is lost, no new write starts. */
  lock: Lock;
  /** GITHUB_ACTOR, else USER; GITHUB_SHA, else git HEAD (see currentActor, currentCommit). */
  actor: string;
  commit?: string;
}

export interface RecordedApply {
  report: ApplyReport;
  /** The history entry of this apply. */
  applyId: string;
  /** Why the history entry could not be closed (the database went away at the end); the records of each write stand. */
  historyError?: string;
}

/** Applies a plan under a held lock, recording each confirmed write and the apply's history in the backend. */
export async function applyRecorded(plan: Plan, target: Target, backend: StateBackend, options: RecordedApplyOptions): Promise<RecordedApply> {
  const { lock, actor, commit, ...applyOptions } = options;
  const digest = planDigest(plan);
  const applyId = await backend.startApply({ actor, ...(commit === undefined ? {} : { commit }), host: os.hostname(), policyDigest: plan.policyDigest, planDigest: digest });
  const signal = applyOptions.signal === undefined ? lock.signal : AbortSignal.any([applyOptions.signal, lock.signal]);
  const report = await applyPlan(plan, target, { ...applyOptions, ...recordingHooks(backend, plan, { applyId, planDigest: digest, lock }), signal });
  const { counts, result, outcomes } = historyOf(report);
  try {
    await backend.finishApply(applyId, counts, result, outcomes);
    return { report, applyId };
  } catch (error) {
    return { report, applyId, historyError: error instanceof Error ? error.message : String(error) };
  }
}
