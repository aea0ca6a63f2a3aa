import { isActive, isUnusable, type CustomerDef, type EntityDef, type ExceptionDef, type PlanDef, type PolicySet, type ProfileDef } from '../model/policy-set.js';
import { formatInstant } from '../model/instant.js';
import type { ControlsByFeature } from '../types/policy.generated.js';
import { toPointer } from '../load/positions.js';
import type { EffectiveCustomer, EffectiveEntity, EffectiveFeature } from './effective.js';
import { exactSum } from './exact.js';
import { resolveFeature, resolveOverageLimit, type ControlLayer, type ResolvedFeature, type Winner } from './precedence.js';

/**
 * Profiles a list of `extends` brings in, lowest precedence first. Every profile comes after (beats) the
 * profiles it extends; a profile met twice keeps its first place, so a shared base never jumps above a
 * profile built on it (diamonds, or a base listed again after its extension). Walked with an explicit stack:
 * a chain of thousands of profiles must not overflow the call stack.
 */
export function profileChain(set: PolicySet, ids: readonly string[]): ProfileDef[] {
  const order: ProfileDef[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const stack: Array<{ profile: ProfileDef; next: number }> = [];
  const enter = (id: string): void => {
    const profile = set.profiles.get(id);
    if (!profile || visiting.has(id) || placed.has(id)) return; // unknown ids and cycles are reported by validation
    visiting.add(id);
    stack.push({ profile, next: 0 });
  };
  for (const id of ids) {
    enter(id);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.profile.extends.length) {
        enter(top.profile.extends[top.next++]!);
        continue;
      }
      stack.pop();
      visiting.delete(top.profile.id);
      placed.add(top.profile.id);
      order.push(top.profile);
    }
  }
  return order;
}

/**
 * The unusable plan and profiles (defined, but invalid or defined twice) a customer depends on, through any
 * depth of `extends`; such a customer is not resolved. Empty, and cheap, when nothing is unusable.
 */
export function unusableDependencies(set: PolicySet, customer: CustomerDef): Array<{ kind: 'plan' | 'profile'; id: string }> {
  if (set.unusable.size === 0) return [];
  const out: Array<{ kind: 'plan' | 'profile'; id: string }> = [];
  if (isUnusable(set, 'plan', customer.plan)) out.push({ kind: 'plan', id: customer.plan });
  const seen = new Set<string>();
  const pending = [...customer.extends];
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    if (isUnusable(set, 'profile', id)) out.push({ kind: 'profile', id });
    pending.push(...(set.profiles.get(id)?.extends ?? []));
  }
  return out;
}

/** Whether a customer resolves: its plan is known and nothing it depends on is unusable (validation reports both). */
export function resolvable(set: PolicySet, customer: CustomerDef): boolean {
  return set.plans.has(customer.plan) && unusableDependencies(set, customer).length === 0;
}

/**
 * The exceptions of a block active at `asOf`, as layers, highest precedence first (the later in the list wins).
 * Empty, and cheap, for the many blocks with no exceptions.
 */
export function exceptionLayers(exceptions: readonly ExceptionDef[], on: 'customer' | 'entity', asOf: number): ControlLayer[] {
  if (exceptions.length === 0) return [];
  const out: ControlLayer[] = [];
  for (let i = exceptions.length - 1; i >= 0; i--) {
    const e = exceptions[i]!;
    if (!isActive(e, asOf)) continue;
    const layer: ControlLayer = { layer: 'exception', exception: { id: e.id, on, until: formatInstant(e.until!) }, controls: e.controls, origin: e.origin };
    if (on === 'customer') layer.overageLimit = e.overageLimit;
    out.push(layer);
  }
  return out;
}

/** An entity's active exceptions and its own block, highest precedence first: what is pushed to the entity object. */
export function entityOwnLayers(entity: EntityDef, asOf: number): ControlLayer[] {
  return [...exceptionLayers(entity.exceptions, 'entity', asOf), { layer: 'entity', controls: entity.controls, origin: entity.origin }];
}

/**
 * The customer's active exceptions, its own layer and its profiles, highest precedence first: what is pushed to
 * the customer object. A profile is shared across plans, so its controls for a feature the customer's plan lacks
 * do not apply here.
 */
export function customerOwnLayers(set: PolicySet, customer: CustomerDef, plan: PlanDef | undefined): ControlLayer[] {
  const profiles = profileChain(set, customer.extends)
    .reverse()
    .map<ControlLayer>((p) => ({ layer: 'profile', profile: p.id, controls: controlsOnPlan(p, plan), overageLimit: p.overageLimit, origin: p.origin }));
  return [
    ...exceptionLayers(customer.exceptions, 'customer', set.asOf),
    { layer: 'customer', controls: customer.controls, overageLimit: customer.overageLimit, origin: customer.origin },
    ...profiles,
  ];
}

const onPlan = new WeakMap<ProfileDef, WeakMap<PlanDef, ControlsByFeature>>();

/** A profile's controls for the features `plan` includes; worked out once per profile and plan, not per customer. */
function controlsOnPlan(profile: ProfileDef, plan: PlanDef | undefined): ControlsByFeature {
  if (!plan) return {};
  let byPlan = onPlan.get(profile);
  if (!byPlan) onPlan.set(profile, (byPlan = new WeakMap()));
  let controls = byPlan.get(plan);
  if (!controls) {
    const ids = Object.keys(profile.controls);
    const kept = ids.filter((id) => plan.items.has(id));
    controls = kept.length === ids.length ? profile.controls : (Object.fromEntries(kept.map((id) => [id, profile.controls[id]])) as ControlsByFeature);
    byPlan.set(plan, controls);
  }
  return controls;
}

/** The profiles a customer extends that set controls for `featureId`, which its plan lacks: they do not apply to it. */
export function profilesOffPlan(set: PolicySet, customer: CustomerDef, featureId: string): string[] {
  if (set.plans.get(customer.plan)?.items.has(featureId)) return [];
  return profileChain(set, customer.extends)
    .filter((p) => p.controls[featureId] !== undefined && p.controls[featureId] !== null)
    .map((p) => p.id);
}

export function planLayer(plan: PlanDef): ControlLayer {
  return { layer: 'plan', controls: plan.controls, overageLimit: plan.overageLimit, origin: plan.origin };
}

/** A customer resolved, with the winning layers kept for checks that point at them. */
export interface ResolvedCustomer {
  effective: EffectiveCustomer;
  features: Map<string, ResolvedFeature>;
  entities: Map<string, Map<string, ResolvedFeature>>;
  overageLimitWinner?: Winner;
}

/** The metered and credits features of a plan with a known feature definition, sorted by id. */
export function controllableFeatures(set: PolicySet, plan: PlanDef): Array<[string, 'metered' | 'credits']> {
  const out: Array<[string, 'metered' | 'credits']> = [];
  for (const id of [...plan.items.keys()].sort()) {
    const type = set.features.get(id)?.type;
    if (type === 'metered' || type === 'credits') out.push([id, type]);
  }
  return out;
}

/** Resolves a customer and its entities; undefined when it is not resolvable (validation reports why). */
export function resolveCustomer(set: PolicySet, customer: CustomerDef, withLocation = true): ResolvedCustomer | undefined {
  const plan = set.plans.get(customer.plan);
  if (!plan || !resolvable(set, customer)) return undefined;
  const base = [...customerOwnLayers(set, customer, plan), planLayer(plan)];
  // The customer and each of its entities resolve the same plan items: look them up once.
  const items = controllableFeatures(set, plan).map(([id, type]) => ({
    id,
    type,
    item: plan.items.get(id)!,
    origin: { doc: plan.origin.doc, pointer: plan.origin.pointer + toPointer(['features', id]) },
  }));
  const resolveAll = (layers: ControlLayer[]): Map<string, ResolvedFeature> => {
    const out = new Map<string, ResolvedFeature>();
    for (const { id, type, item, origin } of items) out.set(id, resolveFeature(id, type, item, origin, layers, withLocation));
    return out;
  };
  const features = resolveAll(base);
  const entities = new Map<string, Map<string, ResolvedFeature>>();
  for (const id of [...customer.entities.keys()].sort()) {
    const own = entityOwnLayers(customer.entities.get(id)!, set.asOf);
    const layers = [...own, ...base];
    const resolved = new Map<string, ResolvedFeature>();
    for (const { id: featureId, type, item, origin } of items) {
      // A feature the entity's own layers do not mention resolves through the customer's layers alone, to what the
      // customer's own resolved to: that one is shared (resolved values are never changed afterwards), as most
      // entities of a fleet set one or two features of five.
      const mentioned = own.some((l) => l.controls[featureId] !== undefined && l.controls[featureId] !== null);
      resolved.set(featureId, mentioned ? resolveFeature(featureId, type, item, origin, layers, withLocation) : features.get(featureId)!);
    }
    entities.set(id, resolved);
  }
  const overageLimit = resolveOverageLimit(base, withLocation);

  const effectiveFeatures = (m: Map<string, ResolvedFeature>): Record<string, EffectiveFeature> =>
    Object.fromEntries([...m].map(([id, r]) => [id, r.effective]));
  const effectiveEntities: Record<string, EffectiveEntity> = {};
  for (const [id, m] of entities) {
    const name = customer.entities.get(id)!.name;
    effectiveEntities[id] = name === undefined ? { features: effectiveFeatures(m) } : { name, features: effectiveFeatures(m) };
  }
  const effective: EffectiveCustomer = {
    plan: plan.id,
    currency: plan.currency,
    overageLimit: overageLimit.value,
    maxOverageExposure: exposure(
      [...features.values(), ...[...entities.values()].flatMap((m) => [...m.values()])].map((r) => r.effective.maxOverageCharge),
      overageLimit.value,
    ),
    features: effectiveFeatures(features),
    entities: effectiveEntities,
    sources: { overageLimit: overageLimit.source },
  };
  if (customer.name !== undefined) effective.name = customer.name;
  return { effective, features, entities, overageLimitWinner: overageLimit.winner };
}

/**
 * Upper bound on a customer's overage money: the sum of every feature's maximum charge (own and entities'),
 * lowered to the customer-wide limit when reaching it blocks; null when nothing bounds it (nor when the sum is
 * beyond the exact integer range, which validation refuses).
 */
export function exposure(charges: ReadonlyArray<number | null>, limit: EffectiveCustomer['overageLimit']): number | null {
  const sum = charges.some((c) => c === null) ? null : (exactSum(charges as number[]) ?? null);
  const cap = limit !== null && limit !== 'unlimited' && limit.onLimitReached === 'block' ? limit.maxOverageAmount : null;
  if (sum === null) return cap;
  if (cap === null) return sum;
  return Math.min(sum, cap);
}
