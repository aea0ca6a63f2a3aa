import type { PolicySet } from '../model/policy-set.js';
import { fingerprint, sameJson } from '../resolve/canonical.js';
import { diffControls, objectAction, type ChangeAction, type ControlChange } from './diff.js';
import { effectiveFromObjects, type PlainCustomer, type PlainFeature } from './effect.js';
import type { OnProgress } from '../util/progress.js';
import { customerOf, isEmptyControls, objectKey, parseObjectKey, type DesiredObject, type LiveObject, type ObjectControls, type ObjectRef, type UnmanagedEntry } from './objects.js';

export const PLAN_FORMAT_VERSION = 1;

/** One object to write: its changes and the fingerprint of the live state they were computed against. */
export interface ObjectPlan {
  key: string;
  ref: ObjectRef;
  action: ChangeAction;
  /** sha256 of the object's live controls when planned; apply refuses the plan if it no longer matches. */
  fingerprint: string;
  /** The whole state the object must hold after apply. */
  after: ObjectControls;
  /** For customers and entities: the plan the policy puts them on. */
  plan?: string;
  /** Currency of money values in the changes. */
  currency?: string;
  changes: ControlChange[];
  /** The target's management record moves (null: none); written with the object, after the controls it covers. */
  marker?: { before: string | null; after: string | null };
}

/** How one customer's effective policy moves. */
export interface CustomerEffect {
  id: string;
  currency: string | null;
  exposureBefore: number | null;
  exposureAfter: number | null;
  /** Its own features or overage limit change (not only entities). */
  customerChanged: boolean;
  /** Entities whose effective policy changes. */
  entities: string[];
  /** Objects whose change reaches this customer (its own, its entities', its plan's). */
  causes: string[];
  /** Every effective value that moves, for the customer and its entities. */
  changes: EffectiveChange[];
  /** How many changes were left out of `changes` because the plan is very large. */
  changesOmitted?: number;
}

/** Most effective-value changes a plan lists in full (about 50 per customer for 4,000 customers). */
export const EFFECT_CHANGE_BUDGET = 200_000;

/** One effective value of a customer (or one of its entities) before and after; null when not there. */
export interface EffectiveChange {
  entity?: string;
  feature?: string;
  field: string;
  before: unknown;
  after: unknown;
}

export interface PlanSummary {
  add: number;
  change: number;
  remove: number;
  customers: number;
  entities: number;
}

/** The billing system a plan was made against. */
export interface PlanTarget {
  name: string;
  /** API base URL; for the local target its state file, relative to the plan's `workingDir`. */
  endpoint?: string;
  /** Made with --live: production keys may apply it. */
  live?: boolean;
}

/** The reviewed unit of work: what apply will write, and what it does to effective policy. */
export interface Plan {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  policyDigest: string;
  /** The policy directory it was made from, relative to `workingDir` (or absolute): where apply reads the policies. */
  dir?: string;
  /** Where it was made, relative to the saved plan file's folder; absent when not saved with -o (then: the current directory). */
  workingDir?: string;
  target: PlanTarget;
  objects: ObjectPlan[];
  effect: { customers: CustomerEffect[] };
  summary: PlanSummary;
  /** Entries objects hold that tollgate does not model, per object read: kept on every write; absent when there are none. */
  unmanaged?: UnmanagedObject[];
}

/** One object's entries that are not managed by tollgate. */
export interface UnmanagedObject {
  key: string;
  ref: ObjectRef;
  entries: UnmanagedEntry[];
}

export interface PlanInput {
  set: PolicySet;
  policyDigest: string;
  target: { name: string; endpoint?: string };
  desired: ReadonlyMap<string, DesiredObject>;
  /** Live state of every desired or previously managed object; null when the object holds nothing. */
  live: ReadonlyMap<string, LiveObject | null>;
  /** Told after each customer whose effect is computed: a fleet's first plan takes seconds. */
  onProgress?: OnProgress;
}

const EMPTY: ObjectControls = { features: {} };

/** The fingerprint of an object's live controls; holding nothing is one state, however the target reports it. */
export function liveFingerprint(live: LiveObject | null | undefined): string {
  return fingerprint(isEmptyControls(live?.controls) ? null : live!.controls);
}

/** Compares desired with live state, object by object; pure. */
export function computePlan(input: PlanInput): Plan {
  const { desired, live } = input;
  const keys = [...new Set([...desired.keys(), ...live.keys()])].sort();
  const objects: ObjectPlan[] = [];
  for (const key of keys) {
    const o = planObject(key, desired.get(key), live.get(key) ?? null);
    if (o) objects.push(o);
  }
  const customers = customerEffects(input, objects);
  const summary: PlanSummary = {
    add: objects.filter((o) => o.action === 'create').length,
    change: objects.filter((o) => o.action === 'update').length,
    remove: objects.filter((o) => o.action === 'delete').length,
    customers: customers.filter((c) => c.customerChanged || c.entities.length > 0).length,
    entities: customers.reduce((n, c) => n + c.entities.length, 0),
  };
  const plan: Plan = { formatVersion: PLAN_FORMAT_VERSION, policyDigest: input.policyDigest, target: input.target, objects, effect: { customers }, summary };
  const unmanaged = keys.flatMap((key): UnmanagedObject[] => {
    const entries = live.get(key)?.unmanaged ?? [];
    return entries.length === 0 ? [] : [{ key, ref: parseObjectKey(key), entries }];
  });
  if (unmanaged.length > 0) plan.unmanaged = unmanaged;
  return plan;
}

/** What one object must be written with to hold what the policies want; undefined when it already does. */
export function planObject(key: string, want: DesiredObject | undefined, live: LiveObject | null): ObjectPlan | undefined {
  const have = live?.controls ?? null;
  const after = want?.controls ?? EMPTY;
  // A target's managed marker (Autumn's metadata) that differs from what the policies imply is a change too.
  const marker = { before: live?.marker ?? null, after: want?.marker ?? null };
  const markerMoves = marker.before !== marker.after;
  if (isEmptyControls(have) && isEmptyControls(after) && !markerMoves) return undefined;
  const changes = diffControls(have, after, want?.locations, want?.setBy);
  if (changes.length === 0 && !markerMoves) return undefined;
  const action = changes.length === 0 ? 'update' : objectAction(have, after);
  const o: ObjectPlan = { key, ref: want?.ref ?? parseObjectKey(key), action, fingerprint: liveFingerprint(live), after, changes };
  if (markerMoves) o.marker = marker;
  const plan = want?.plan ?? live?.plan;
  if (plan !== undefined) o.plan = plan;
  if (want?.currency !== undefined) o.currency = want.currency;
  return o;
}

/** The customers a set of object changes reaches, with their effective policy and money exposure before and after. */
function customerEffects(input: PlanInput, objects: readonly ObjectPlan[]): CustomerEffect[] {
  const { set, desired, live } = input;
  const causes = new Map<string, Set<string>>();
  const cause = (customer: string, key: string): void => {
    let s = causes.get(customer);
    if (!s) causes.set(customer, (s = new Set()));
    s.add(key);
  };
  const changedPlans = new Set<string>();
  const written = new Set<string>();
  for (const o of objects) {
    const customer = customerOf(o.ref);
    if (customer === undefined) changedPlans.add(o.ref.id);
    else cause(customer, o.key);
    if (o.ref.kind === 'customer') written.add(o.ref.id);
  }
  // Entities by customer, from both sides, and each customer's plan.
  const entityIds = new Map<string, Set<string>>();
  const planOf = new Map<string, { before?: string; after?: string }>();
  const note = (key: string, side: 'before' | 'after', plan: string | undefined): void => {
    const ref = parseObjectKey(key);
    const customer = customerOf(ref);
    if (customer === undefined) return;
    if (ref.kind === 'entity') {
      let s = entityIds.get(customer);
      if (!s) entityIds.set(customer, (s = new Set()));
      s.add(ref.id);
    }
    if (plan !== undefined) {
      const p = planOf.get(customer) ?? {};
      p[side] ??= plan;
      planOf.set(customer, p);
    }
  };
  for (const [key, o] of desired) note(key, 'after', o.plan);
  for (const [key, o] of live) note(key, 'before', o?.plan);
  for (const [customer, plans] of planOf) {
    for (const plan of [plans.before, plans.after]) if (plan !== undefined && changedPlans.has(plan)) cause(customer, `plan:${plan}`);
  }

  const effects: CustomerEffect[] = [];
  let budget = EFFECT_CHANGE_BUDGET;
  const reached = [...causes.keys()].sort();
  const progress = (done: number): void => input.onProgress?.({ phase: 'planning', done, total: reached.length, unit: 'customers' });
  for (const id of reached) {
    progress(effects.length);
    const plans = planOf.get(id) ?? {};
    const ids = entityIds.get(id) ?? new Set<string>();
    const side = (which: 'before' | 'after'): PlainCustomer | null => {
      const plan = plans[which] ?? plans.before ?? plans.after;
      if (plan === undefined) return null;
      const read = (key: string) => (which === 'before' ? live.get(key)?.controls : desired.get(key)?.controls);
      const entities = new Map([...ids].map((e) => [e, read(objectKey({ kind: 'entity', customer: id, id: e }))]));
      return effectiveFromObjects(set, plan, read(`customer:${id}`), read(`plan:${plan}`), entities) ?? null;
    };
    const before = side('before');
    const after = side('after');
    const changes = effectiveChanges(before, after);
    const changedEntities = [...new Set(changes.flatMap((c) => (c.entity === undefined ? [] : [c.entity])))];
    // Without a known plan on either side nothing can be resolved; a write to the customer still changes it.
    const customerChanged = changes.some((c) => c.entity === undefined) || (before === null && after === null && written.has(id));
    const effect: CustomerEffect = {
      id,
      currency: after?.currency ?? before?.currency ?? null,
      exposureBefore: before?.maxOverageExposure ?? null,
      exposureAfter: after?.maxOverageExposure ?? null,
      customerChanged,
      entities: changedEntities,
      causes: [...causes.get(id)!].sort(),
      changes,
    };
    // A fleet's first plan would carry millions of value changes no reviewer reads: past the budget only the
    // counts and money stay, so the plan still fits in memory.
    budget -= changes.length;
    if (budget < 0) {
      effect.changes = [];
      effect.changesOmitted = changes.length;
    }
    effects.push(effect);
  }
  progress(effects.length);
  return effects;
}

/** Fields of an effective feature a reviewer compares, in the order they are shown. */
const FEATURE_FIELDS = ['overage', 'charged', 'maxOverageUnits', 'hardLimit', 'maxOverageCharge', 'usageAlerts', 'usageLimits', 'autoTopup'] as const;

/** The effective values that differ between two resolutions of one customer, customer first, then entities by id. */
export function effectiveChanges(before: PlainCustomer | null, after: PlainCustomer | null): EffectiveChange[] {
  const out: EffectiveChange[] = [];
  const push = (c: EffectiveChange): void => {
    if (!sameJson(c.before, c.after)) out.push(c);
  };
  push({ field: 'plan', before: before?.plan ?? null, after: after?.plan ?? null });
  push({ field: 'overageLimit', before: before?.overageLimit ?? null, after: after?.overageLimit ?? null });
  const features = (
    entity: string | undefined,
    b: Record<string, PlainFeature> | undefined,
    a: Record<string, PlainFeature> | undefined,
  ): void => {
    for (const feature of [...new Set([...Object.keys(b ?? {}), ...Object.keys(a ?? {})])].sort()) {
      for (const field of FEATURE_FIELDS) {
        const c: EffectiveChange = { feature, field, before: b?.[feature]?.[field] ?? null, after: a?.[feature]?.[field] ?? null };
        if (entity !== undefined) c.entity = entity;
        push(c);
      }
    }
  };
  features(undefined, before?.features, after?.features);
  const entities = [...new Set([...Object.keys(before?.entities ?? {}), ...Object.keys(after?.entities ?? {})])].sort();
  for (const entity of entities) features(entity, before?.entities[entity], after?.entities[entity]);
  return out;
}
