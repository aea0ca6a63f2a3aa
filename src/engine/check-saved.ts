// Whether a saved plan may still be applied, as a library call: the CLI prints what it returns.
import { describeRef, parseObjectKey, type DesiredObject, type LiveObject } from '../plan/objects.js';
import { readContext, type RememberedState } from './state.js';
import { desiredState } from './plan.js';
import { formatInstant } from '../model/instant.js';
import { withGuardrails } from './guardrails.js';
import { computePlan } from '../plan/plan.js';
import type { Plan } from '../plan/plan.js';
import { policyDigest } from '../resolve/stream.js';
import type { Target } from '../targets/target.js';
import { UserError } from '../util/errors.js';
import type { Analysis } from '../validate/index.js';
import { checkSavedPlan, type EditedObject } from '../apply/verify-plan.js';

export interface SavedPlanCheck {
  /** The saved plan with only the objects still to write. */
  plan: Plan;
  /** How many of its objects already hold the planned state (an earlier apply of it wrote them). */
  done: number;
  /** What the policies want of every object. */
  desired: Map<string, DesiredObject>;
  /** The live state of the plan's objects, read for the check. */
  live: Map<string, LiveObject | null>;
}

/**
 * The saved plan as it may be applied: refused (UserError) when the policies changed since (digest), when an
 * object is not what the policies produce (edited by hand), or when an object's live state moved (stale);
 * objects an earlier apply of it already wrote are left out. What is written is recomputed from the policies,
 * never read from the file. Controls the target cannot hold throw UnsupportedControlsError.
 */
export async function checkSaved(saved: Plan, file: string, dir: string, analysis: Analysis, target: Target, state?: RememberedState): Promise<SavedPlanCheck> {
  const digest = analysis.policyDigest ?? policyDigest(analysis.customers);
  if (digest !== saved.policyDigest) {
    // A plan resolved at another instant may differ only because an exception started or ended in between.
    const asOf = formatInstant(analysis.set.asOf);
    const when = saved.asOf !== undefined && saved.asOf !== asOf ? ` It was resolved at ${saved.asOf} and this run at ${asOf}: an exception may have started or ended in between.` : '';
    throw new UserError(`The plan ${file} is stale: the policies in ${dir} changed since it was made (digest ${saved.policyDigest.slice(0, 19)}… is now ${digest.slice(0, 19)}…).${when} Re-plan with: tollgate plan -o ${file}`);
  }
  const desired = desiredState(analysis, target);
  const live = await target.read(saved.objects.map((o) => o.key), undefined, readContext(state));
  const { edited, stale, done, write } = checkSavedPlan(saved.objects, desired, live);
  if (edited.length > 0) throw new UserError(editedMessage(file, edited));
  if (stale.length > 0) {
    const names = stale.slice(0, 20).map((k) => describeRef(parseObjectKey(k)));
    throw new UserError(`The plan ${file} is stale: ${stale.length} object${stale.length === 1 ? '' : 's'} changed on ${target.name} since it was planned: ${names.join(', ')}${stale.length > 20 ? ', …' : ''}. Nothing was applied. Re-plan with: tollgate plan -o ${file}`);
  }
  // Guardrails are checked again, never read from the file: the effect of the saved objects is recomputed against
  // the live state read now, every other object holding what the policies want (it has no change).
  const asLive = new Map<string, LiveObject | null>([...desired].map(([key, o]) => [key, { controls: o.controls, ...(o.plan === undefined ? {} : { plan: o.plan }) }]));
  for (const [key, o] of live) asLive.set(key, o);
  const effect = computePlan({ set: analysis.set, policyDigest: digest, target: saved.target, desired, live: asLive });
  const checked = withGuardrails(analysis, effect);
  const plan: Plan = { ...saved, objects: write };
  if (checked.guardrails) plan.guardrails = checked.guardrails;
  else delete plan.guardrails;
  return { plan, done: done.length, desired, live };
}

function editedMessage(file: string, edited: readonly EditedObject[]): string {
  const value = (v: unknown): string => {
    const text = JSON.stringify(v) ?? 'null';
    return text.length > 60 ? `${text.slice(0, 59)}…` : text;
  };
  const names = edited.slice(0, 20).map((e) => {
    const what =
      e.differences.length === 0
        ? 'its recorded changes'
        : e.differences
            .slice(0, 3)
            .map((d) => `${d.path}: ${value(d.planned)} in the plan, ${value(d.policies)} in the policies`)
            .join('; ') + (e.differences.length > 3 ? '; …' : '');
    return `${describeRef(parseObjectKey(e.key))} (${what})`;
  });
  const count = `${edited.length} object${edited.length === 1 ? '' : 's'}`;
  return (
    `The plan ${file} is not what the policies at its digest produce, for ${count}: ${names.join(', ')}${edited.length > 20 ? ', …' : ''}. ` +
    `It was changed after tollgate plan wrote it; nothing was applied. Make a new plan with: tollgate plan -o ${file}`
  );
}
