// `tollgate simulate`: one customer or entity, per feature its limit ladder and its state at given usages. Pure.
import type { PolicySet } from '../model/policy-set.js';
import type { EffectiveCustomer, EffectiveFeature, EffectiveOverageLimit } from '../resolve/effective.js';
import { evaluateCustomer, type FeatureState, type OverageLimitState } from './evaluate.js';
import { limitLadder, type LadderStep } from './ladder.js';
import { customerTerms, entityFeatures } from './terms.js';
import { usageKey, usageOfCustomer, type UsageTable } from './usage.js';

/** One feature of the subject: the effective values it shares with the artifact, its ladder, its state at its usage. */
export interface SimulatedFeature {
  type: EffectiveFeature['type'];
  included: number;
  reset: string | null;
  pricing: EffectiveFeature['pricing'];
  overage: EffectiveFeature['overage'];
  charged: boolean;
  maxOverageUnits: EffectiveFeature['maxOverageUnits'];
  hardLimit: number | null;
  maxOverageCharge: number | null;
  price: { amount: number; per: number } | null;
  /** Whether a usage was given for it (else it is simulated at 0). */
  given: boolean;
  ladder: LadderStep[];
  state: FeatureState;
}

/** What `simulate` prints. */
export interface Simulation {
  customer: string;
  entity?: string;
  name?: string;
  plan: string;
  currency: string;
  /** The instant the policies were resolved at, when one was given. */
  at?: string;
  overageLimit: EffectiveCustomer['overageLimit'];
  maxOverageExposure: number | null;
  /** Overage money billed across the customer and all its entities at the usages given. */
  overageCharge: number | null;
  overageLimitState: OverageLimitState | null;
  features: Record<string, SimulatedFeature>;
}

/**
 * Simulates `entity` of a customer (or the customer itself) at `usage` (keyed like plans: customer and entities,
 * unlisted ones at 0). The customer-wide overage limit counts every feature of the customer and its entities.
 */
export function simulate(set: PolicySet, id: string, customer: EffectiveCustomer, entity: string | undefined, usage: UsageTable, at?: string): Simulation {
  const terms = customerTerms(set, { ...customer, entities: entityFeatures(customer) });
  const state = evaluateCustomer(terms, usageOfCustomer(usage, id));
  const scopeTerms = entity === undefined ? terms.features : terms.entities[entity]!;
  const scopeState = entity === undefined ? state.features : state.entities[entity]!;
  const given = usage.get(usageKey(id, entity));
  const limit = customer.overageLimit !== null && customer.overageLimit !== 'unlimited' ? (customer.overageLimit as EffectiveOverageLimit) : undefined;
  const features: Record<string, SimulatedFeature> = {};
  for (const fid of Object.keys(scopeTerms).sort()) {
    const t = scopeTerms[fid]!;
    const s = scopeState[fid]!;
    const f = t.feature;
    const othersCharge = state.overageCharge === null || s.overageCharge === null ? null : uncappedTotal(state) - s.overageCharge;
    features[fid] = {
      type: f.type,
      included: f.included,
      reset: f.reset,
      pricing: f.pricing,
      overage: f.overage,
      charged: f.charged,
      maxOverageUnits: f.maxOverageUnits,
      hardLimit: f.hardLimit,
      maxOverageCharge: f.maxOverageCharge,
      price: t.price,
      given: given?.has(fid) === true,
      ladder: limitLadder(t, limit && othersCharge !== null ? { limit, othersCharge } : undefined),
      state: s,
    };
  }
  const name = entity === undefined ? customer.name : customer.entities[entity]?.name;
  const out: Simulation = {
    customer: id,
    ...(entity === undefined ? {} : { entity }),
    ...(name === undefined ? {} : { name }),
    ...(at === undefined ? {} : { at }),
    plan: customer.plan,
    currency: customer.currency,
    overageLimit: customer.overageLimit,
    maxOverageExposure: customer.maxOverageExposure,
    overageCharge: state.overageCharge,
    overageLimitState: state.overageLimit,
    features,
  };
  return out;
}

/** Overage money of every feature before the customer-wide limit trims the total. */
function uncappedTotal(state: { features: Record<string, FeatureState>; entities: Record<string, Record<string, FeatureState>> }): number {
  let total = 0;
  for (const s of Object.values(state.features)) total += s.overageCharge ?? 0;
  for (const e of Object.values(state.entities)) for (const s of Object.values(e)) total += s.overageCharge ?? 0;
  return total;
}
