import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import type { PolicySet } from '../../model/policy-set.js';
import { controlPath, describeRef, type DesiredObject, type FeatureSettings, type LiveObject, type ObjectControls } from '../../plan/objects.js';
import type { ObjectPlan } from '../../plan/plan.js';
import { PlaceGroups } from '../../plan/support.js';
import type { CustomerRead, FeatureConfigRead } from './responses.js';
import type { OwostackOverage, OwostackSetFeatureConfigRequest, OwostackSetOverageLimitRequest } from './routes.js';

// tollgate ↔ Owostack, per customer (SPEC §5):
//   features.<f>.overage          allow ↔ "charge", block ↔ "block", absent ↔ null (plan config applies)
//   features.<f>.maxOverageUnits  n ↔ n, absent ↔ null, unlimited → null (only where the plan has no cap),
//                                 0 → overage "block" (Owostack refuses a cap of 0; no overage unit is the same)
//   overageLimit                  {amount, onLimitReached} ↔ same, absent ↔ null, unlimited → null, amount 0 → error
// Owostack resolves customer feature config > plan feature config > defaults, field by field, so the
// customer's own featureConfigs are compared with the customer object's desired state (own + profiles).

const TO_OWOSTACK: Record<'allow' | 'block', OwostackOverage> = { allow: 'charge', block: 'block' };
const FROM_OWOSTACK: Record<OwostackOverage, 'allow' | 'block'> = { charge: 'allow', block: 'block' };

/** The controls a customer holds itself, from `billing`; null when it holds none. */
export function liveFromCustomer(customer: CustomerRead): LiveObject | null {
  const controls: ObjectControls = { features: {} };
  for (const config of customer.featureConfigs) {
    const settings = settingsFromConfig(config);
    if (Object.keys(settings).length > 0) controls.features[config.feature] = settings;
  }
  const limit = customer.overageLimit;
  if (limit !== null) controls.overageLimit = { maxOverageAmount: limit.maxOverageAmount, onLimitReached: limit.onLimitReached };
  return Object.keys(controls.features).length === 0 && controls.overageLimit === undefined ? null : { controls };
}

function settingsFromConfig(config: FeatureConfigRead): FeatureSettings {
  const settings: FeatureSettings = {};
  if (config.overage !== null) settings.overage = FROM_OWOSTACK[config.overage];
  if (config.maxOverageUnits !== null) settings.maxOverageUnits = config.maxOverageUnits;
  return settings;
}

/**
 * The desired state in the form Owostack stores it, and an error per place it cannot be stored.
 * Owostack has no explicit "unlimited": null clears the customer's override and the plan's own config
 * applies. For `overageLimit` that is faithful (Owostack has no plan-level overage limit); for
 * `maxOverageUnits` only when the customer's plan item has no `maxPurchase`, otherwise its cap would apply.
 * Owostack refuses caps of 0: `maxOverageUnits: 0` allows no overage unit, which Owostack holds as overage
 * "block" (the change points at the cap's line); an `overageLimit` of 0 has no such twin and is an error.
 */
export function expressForOwostack(
  desired: ReadonlyMap<string, DesiredObject>,
  set: PolicySet,
): { desired: Map<string, DesiredObject>; problems: Diagnostic[] } {
  const out = new Map<string, DesiredObject>();
  const places = new PlaceGroups();
  for (const [key, object] of desired) {
    if (object.ref.kind !== 'customer') {
      out.set(key, object);
      continue;
    }
    const features: Record<string, FeatureSettings> = {};
    const locations = { ...object.locations };
    for (const [feature, settings] of Object.entries(object.controls.features)) {
      const kept: FeatureSettings = { ...settings };
      if (settings.maxOverageUnits === 0) {
        delete kept.maxOverageUnits;
        kept.overage = 'block';
        const where = object.locations[controlPath(feature, 'maxOverageUnits')];
        if (where !== undefined) locations[controlPath(feature, 'overage')] = where;
      }
      if (settings.maxOverageUnits === 'unlimited') {
        delete kept.maxOverageUnits;
        const cap = object.plan === undefined ? undefined : set.plans.get(object.plan)?.items.get(feature)?.maxPurchase;
        const where = object.locations[controlPath(feature, 'maxOverageUnits')];
        if (cap !== undefined && cap !== null && where !== undefined) {
          places.add(
            where,
            `unlimited|${feature}|${object.plan}`,
            describeRef(object.ref),
            (objects) =>
              `Target owostack cannot hold "maxOverageUnits: unlimited" for ${feature} of ${objects}: Owostack has no explicit "unlimited", and clearing the customer's cap falls back to plan ${object.plan}'s maxPurchase (${cap}). Set a number of units, or remove maxPurchase from the plan item.`,
          );
        }
      }
      if (Object.keys(kept).length > 0) features[feature] = kept;
    }
    const controls: ObjectControls = { features };
    const limit = object.controls.overageLimit;
    if (limit !== undefined && limit !== 'unlimited') {
      const where = object.locations.overageLimit;
      if (limit.maxOverageAmount !== 0) controls.overageLimit = limit;
      else if (where !== undefined) {
        places.add(
          where,
          'overage-limit-zero',
          describeRef(object.ref),
          (objects) =>
            `Target owostack cannot hold "overageLimit" with maxOverageAmount 0 for ${objects}: Owostack refuses a cap of 0. To allow no overage at all, set "overage: block" on the features instead.`,
        );
      }
    }
    out.set(key, { ...object, controls, locations });
  }
  const problems = places.diagnostics();
  return { desired: out, problems };
}

/** One Owostack call of an object write, with a stable name for its idempotency key. */
export type OwostackWriteCall =
  | { name: string; call: 'setFeatureConfig'; body: OwostackSetFeatureConfigRequest }
  | { name: string; call: 'setOverageLimit'; body: OwostackSetOverageLimitRequest };

/**
 * The calls that make a customer hold `object.after`: one setFeatureConfig per changed feature (its whole
 * config, nulls for what it must not hold) and one setOverageLimit when the limit changed. Every call sets
 * absolute values, so sending them again converges.
 */
export function writeCalls(object: ObjectPlan): OwostackWriteCall[] {
  const customer = object.ref.id;
  const features = [...new Set(object.changes.flatMap((c) => (c.feature === undefined ? [] : [c.feature])))].sort();
  const calls: OwostackWriteCall[] = features.map((feature) => ({
    name: `feature:${feature}`,
    call: 'setFeatureConfig',
    body: featureConfigBody(customer, feature, object.after.features[feature]),
  }));
  if (object.changes.some((c) => c.control === 'overageLimit')) {
    calls.push({ name: 'overage-limit', call: 'setOverageLimit', body: overageLimitBody(customer, object.after.overageLimit) });
  }
  return calls;
}

/** The setFeatureConfig body that leaves exactly `settings` on the customer's feature. */
export function featureConfigBody(customer: string, feature: string, settings: FeatureSettings | undefined): OwostackSetFeatureConfigRequest {
  const units = settings?.maxOverageUnits;
  if (units === 'unlimited' || units === 0) throw new Error(`maxOverageUnits ${units} reached the Owostack wire; expressForOwostack should have removed it`);
  return {
    customer,
    feature,
    overage: settings?.overage === undefined ? null : TO_OWOSTACK[settings.overage],
    maxOverageUnits: units ?? null,
  };
}

/** The setOverageLimit body for a limit, or the body that removes it. */
export function overageLimitBody(customer: string, limit: ObjectControls['overageLimit']): OwostackSetOverageLimitRequest {
  if (limit === undefined || limit === 'unlimited') return { customer, maxOverageAmount: null, onLimitReached: 'block' };
  if (limit.maxOverageAmount === 0) throw new Error('maxOverageAmount 0 reached the Owostack wire; expressForOwostack should have refused it');
  return { customer, maxOverageAmount: limit.maxOverageAmount, onLimitReached: limit.onLimitReached };
}

/** Whether a customer as Owostack returned it already holds what `call` sets. */
export function holds(customer: CustomerRead, call: OwostackWriteCall): boolean {
  if (call.call === 'setOverageLimit') {
    const limit = customer.overageLimit;
    if (call.body.maxOverageAmount === null) return limit === null;
    return limit !== null && limit.maxOverageAmount === call.body.maxOverageAmount && limit.onLimitReached === call.body.onLimitReached;
  }
  const config = customer.featureConfigs.find((c) => c.feature === call.body.feature);
  return (config?.overage ?? null) === call.body.overage && (config?.maxOverageUnits ?? null) === call.body.maxOverageUnits;
}
