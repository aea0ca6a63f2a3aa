import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/suggest.js';
import { toPointer } from '../load/positions.js';
import { at, isUnusable, type Duplicate, type Origin, type PolicySet, type ProfileDef } from '../model/policy-set.js';
import { unusableDependencies } from '../resolve/resolve.js';
import type { ControlsByFeature, PlanItem } from '../types/policy.generated.js';
import { usageLimitKey } from '../model/usage-limits.js';
import { UnusableReferences, type UserKind } from './unusable.js';

/** Semantic rules that need the whole policy set: references, duplicates, cycles, and what each layer may hold. */
export function checkReferences(set: PolicySet, duplicates: readonly Duplicate[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of duplicates) out.push(duplicateId(d));
  const refs = new UnusableReferences(set);

  const features = set.features;
  for (const plan of set.plans.values()) {
    for (const [id, item] of plan.items) {
      const base = toPointer(['features', id]);
      const feature = features.get(id);
      if (!feature) {
        if (refs.by('feature', id, { kind: 'plan', id: plan.id })) continue;
        out.push(diagnostic('unknown-feature', `Plan "${plan.id}" includes unknown feature "${id}".${didYouMean(id, features.keys())} Define it with a "kind: Feature" document.`, at(plan.origin, base, 'key')));
        continue;
      }
      out.push(...checkPlanItem(plan.origin, base, plan.id, id, feature.type, item));
    }
    out.push(...checkControls(set, plan.origin, plan.controls, { owner: `plan "${plan.id}"`, user: { kind: 'plan', id: plan.id }, refs, planItems: plan.items, planId: plan.id }));
  }

  for (const profile of set.profiles.values()) {
    profile.extends.forEach((id, i) => {
      if (!set.profiles.has(id) && !refs.by('profile', id, { kind: 'profile', id: profile.id })) {
        out.push(diagnostic('unknown-profile', `Profile "${profile.id}" extends unknown profile "${id}".${didYouMean(id, set.profiles.keys())}`, at(profile.origin, toPointer(['extends', i]))));
      }
    });
    out.push(...checkControls(set, profile.origin, profile.controls, { owner: `profile "${profile.id}"`, user: { kind: 'profile', id: profile.id }, refs }));
  }
  out.push(...checkProfileCycles(set));

  for (const customer of set.customers.values()) {
    const plan = set.plans.get(customer.plan);
    for (const d of unusableDependencies(set, customer)) refs.by(d.kind, d.id, { kind: 'customer', id: customer.id });
    if (!plan && !isUnusable(set, 'plan', customer.plan)) {
      out.push(diagnostic('unknown-plan', `Customer "${customer.id}" is on unknown plan "${customer.plan}".${didYouMean(customer.plan, set.plans.keys())}`, at(customer.origin, '/plan')));
    }
    customer.extends.forEach((id, i) => {
      if (!set.profiles.has(id) && !isUnusable(set, 'profile', id)) {
        out.push(diagnostic('unknown-profile', `Customer "${customer.id}" extends unknown profile "${id}".${didYouMean(id, set.profiles.keys())}`, at(customer.origin, toPointer(['extends', i]))));
      }
    });
    out.push(...checkControls(set, customer.origin, customer.controls, { owner: `customer "${customer.id}"`, user: { kind: 'customer', id: customer.id }, refs, planItems: plan?.items, planId: plan?.id }));
    for (const e of customer.exceptions) {
      out.push(...checkControls(set, e.origin, e.controls, { owner: `exception "${e.id}" of customer "${customer.id}"`, user: { kind: 'customer', id: customer.id }, refs, planItems: plan?.items, planId: plan?.id }));
    }
    for (const entity of customer.entities.values()) {
      out.push(...checkControls(set, entity.origin, entity.controls, { owner: `entity "${customer.id}/${entity.id}"`, user: { kind: 'entity', id: `${customer.id}/${entity.id}` }, refs, planItems: plan?.items, planId: plan?.id, entity: true }));
      for (const e of entity.exceptions) {
        out.push(...checkControls(set, e.origin, e.controls, { owner: `exception "${e.id}" of entity "${customer.id}/${entity.id}"`, user: { kind: 'entity', id: `${customer.id}/${entity.id}` }, refs, planItems: plan?.items, planId: plan?.id, entity: true }));
      }
    }
  }
  for (const entity of set.entityDocs) {
    if (!set.customers.has(entity.customer)) {
      if (!refs.by('customer', entity.customer, { kind: 'entity', id: `${entity.customer}/${entity.id}` })) out.push(diagnostic('unknown-customer', `Entity "${entity.id}" belongs to unknown customer "${entity.customer}".${didYouMean(entity.customer, set.customers.keys())}`, at(entity.origin, '/customer')));
      out.push(...checkControls(set, entity.origin, entity.controls, { owner: `entity "${entity.customer}/${entity.id}"`, user: { kind: 'entity', id: `${entity.customer}/${entity.id}` }, refs, entity: true }));
    }
  }
  out.push(...refs.notes());
  return out;
}

function duplicateId(d: Duplicate): Diagnostic {
  const first = at(d.first, d.kind === 'entity' && d.first.pointer !== '' ? '' : '/id', d.kind === 'entity' && d.first.pointer !== '' ? 'key' : 'value');
  const second = at(d.second, d.kind === 'entity' && d.second.pointer !== '' ? '' : '/id', d.kind === 'entity' && d.second.pointer !== '' ? 'key' : 'value');
  return diagnostic(
    'duplicate-id',
    `${capitalize(d.kind)} "${d.id}" is defined twice: here and at ${first.file}:${first.line}:${first.column}. Ids must be unique across all files; rename or merge one.`,
    second,
    [{ ...first, message: `first definition of ${d.kind} "${d.id}"` }],
  );
}

function checkPlanItem(origin: Origin, base: string, planId: string, featureId: string, type: string, item: PlanItem): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (type === 'boolean') {
    for (const key of ['included', 'reset', 'pricing', 'price', 'maxPurchase', 'topUpPrice'] as const) {
      if (item[key] !== undefined) {
        out.push(diagnostic('boolean-feature-quantity', `"${featureId}" is a boolean feature: plan "${planId}" cannot give it "${key}". Write "${featureId}: {}" to include it.`, at(origin, `${base}/${key}`, 'key')));
      }
    }
    return out;
  }
  if (item.included === undefined) {
    out.push(diagnostic('missing-included', `Plan "${planId}" does not say how many units of "${featureId}" are included; set "included" (0 for pure pay-per-use).`, at(origin, base, 'key')));
  }
  if (item.pricing === 'usage_based' && item.price === undefined) {
    out.push(diagnostic('usage-based-without-price', `"${featureId}" on plan "${planId}" is usage_based but has no "price"; add price: { amount: <minor units>, per: <units> } or use pricing: included.`, at(origin, `${base}/pricing`)));
  }
  return out;
}

interface ControlsContext {
  owner: string;
  /** The owner as a user of what its controls name. */
  user: { kind: UserKind; id: string };
  refs: UnusableReferences;
  planItems?: ReadonlyMap<string, PlanItem>;
  planId?: string;
  entity?: boolean;
}

/** Per-feature checks of one `controls` block. */
function checkControls(set: PolicySet, origin: Origin, controls: ControlsByFeature, ctx: ControlsContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [featureId, block] of Object.entries(controls)) {
    const base = toPointer(['controls', featureId]);
    const feature = set.features.get(featureId);
    if (!feature) {
      if (ctx.refs.by('feature', featureId, ctx.user)) continue;
      out.push(diagnostic('unknown-feature', `Controls of ${ctx.owner} name unknown feature "${featureId}".${didYouMean(featureId, set.features.keys())}`, at(origin, base, 'key')));
      continue;
    }
    if (block === null) continue;
    if (feature.type === 'boolean') {
      out.push(diagnostic('boolean-feature-controls', `"${featureId}" is a boolean feature (on or off); it has no usage to control. Remove its controls from ${ctx.owner}.`, at(origin, base, 'key')));
      continue;
    }
    if (ctx.planItems && !ctx.planItems.has(featureId)) {
      out.push(diagnostic('feature-not-in-plan', `Plan "${ctx.planId}" does not include "${featureId}", so ${ctx.owner} cannot control it. Add it to the plan or remove the control.${didYouMean(featureId, ctx.planItems.keys())}`, at(origin, base, 'key')));
    }
    if (ctx.entity && block.autoTopup !== undefined && block.autoTopup !== null) {
      out.push(diagnostic('entity-auto-topup', `Auto top-ups are customer-level only (they invoice the customer's payment method); move "autoTopup" of "${featureId}" from ${ctx.owner} to its customer.`, at(origin, `${base}/autoTopup`, 'key')));
    } else if (block.autoTopup && ctx.planItems?.has(featureId) && !ctx.planItems.get(featureId)!.topUpPrice) {
      // Also checked on the resolved policy (for profiles); here too so a plan with no customers yet is checked.
      out.push(diagnostic('auto-topup-without-price', `Auto top-up of "${featureId}" on ${ctx.owner} needs a one-off top-up price, but plan "${ctx.planId}" has no "topUpPrice" for it. Add topUpPrice to the plan item or remove the top-up.`, at(origin, `${base}/autoTopup`)));
    }
    const seen = new Map<string, number>();
    (block.usageAlerts ?? []).forEach((alert, i) => {
      const pointer = `${base}/usageAlerts/${i}`;
      if (alert.type === 'usage_percentage' && (alert.threshold < 0 || alert.threshold > 100)) {
        out.push(diagnostic('alert-threshold-range', `A usage_percentage alert threshold is a percentage of the included amount: 0 to 100, not ${alert.threshold}. Use type: usage for an absolute count.`, at(origin, `${pointer}/threshold`)));
      }
      const key = `${alert.type}:${alert.threshold}`;
      const first = seen.get(key);
      if (first !== undefined) {
        const firstLoc = at(origin, `${base}/usageAlerts/${first}`);
        out.push(diagnostic('duplicate-alert', `Two ${alert.type} alerts at ${alert.threshold} on "${featureId}"; the first is at line ${firstLoc.line}. Remove one.`, at(origin, pointer), [{ ...firstLoc, message: 'first alert with this type and threshold' }]));
      } else seen.set(key, i);
    });
    const windows = new Map<string, number>();
    (block.usageLimits ?? []).forEach((limit, i) => {
      const key = usageLimitKey(limit);
      const first = windows.get(key);
      if (first === undefined) {
        windows.set(key, i);
        return;
      }
      const firstLoc = at(origin, `${base}/usageLimits/${first}`);
      const which = limit.filter ? `${limit.interval} limits with the same filter` : `${limit.interval} limits without a filter`;
      out.push(diagnostic('duplicate-usage-limit', `Two ${which} on "${featureId}"; the first is at line ${firstLoc.line}. A feature takes at most one limit per interval and filter: remove one.`, at(origin, `${base}/usageLimits/${i}`), [{ ...firstLoc, message: 'first limit with this interval and filter' }]));
    });
  }
  return out;
}

/** Each cycle of `extends` once, at the entry that closes it; walked with an explicit stack, so any depth of chain is fine. */
function checkProfileCycles(set: PolicySet): Diagnostic[] {
  const out: Diagnostic[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();
  // The profiles being visited, root first: the path a cycle is read from.
  const stack: Array<{ profile: ProfileDef; next: number }> = [];
  const enter = (id: string): void => {
    const profile = set.profiles.get(id);
    if (!profile || state.has(id)) return;
    state.set(id, 'visiting');
    stack.push({ profile, next: 0 });
  };
  for (const root of [...set.profiles.keys()].sort()) {
    enter(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const { profile } = top;
      if (top.next === profile.extends.length) {
        stack.pop();
        state.set(profile.id, 'done');
        continue;
      }
      const i = top.next++;
      const parent = profile.extends[i]!;
      if (state.get(parent) !== 'visiting') {
        enter(parent);
        continue;
      }
      const path = stack.map((f) => f.profile.id);
      const cycle = [...path.slice(path.indexOf(parent)), parent];
      const key = [...cycle].sort().join(',');
      if (!reported.has(key)) {
        reported.add(key);
        out.push(diagnostic('profile-cycle', `Profiles extend each other in a cycle: ${cycleText(cycle)}. Remove one of the "extends" entries.`, at(profile.origin, toPointer(['extends', i]))));
      }
    }
  }
  return out;
}

/** "a → b → a"; a long cycle keeps its ends: "p0 → p1 → p2 → … (4,996 more) → p4999 → p0". */
function cycleText(cycle: readonly string[]): string {
  if (cycle.length <= 8) return cycle.join(' → ');
  return [...cycle.slice(0, 3), `… (${(cycle.length - 5).toLocaleString('en-US')} more)`, ...cycle.slice(-2)].join(' → ');
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
