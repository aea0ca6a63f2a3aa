// What a feature's effective controls do at a given usage (SPEC §11): allowed or blocked, overage so far and its
// charge, alerts fired, top-ups bought. Pure; plan's impact table and `tollgate simulate` both call it.
import { overageCharge } from '../resolve/exact.js';
import type { UsageLimitSetting } from '../resolve/effective.js';
import type { CustomerTerms, FeatureTerms, Price } from './terms.js';

/*
 * At a usage u of one feature (included I, top-ups of q units bought when the balance drops below t):
 *
 * | question            | answer                                                                                  |
 * |---------------------|-----------------------------------------------------------------------------------------|
 * | top-ups bought      | ceil((u - I + t) / q) once positive, at most the purchase limit; none with t = 0 on a     |
 * |                     | blocked feature (its balance never drops below 0)                                        |
 * | granted             | I + bought × q                                                                           |
 * | usage stops at      | granted when overage is block; granted + maxOverageUnits when capped; never otherwise    |
 * | blocked             | u ≥ where usage stops; or an unfiltered usage limit whose window holds the whole period   |
 * |                     | (the same or a longer interval) has u ≥ its limit; or the customer-wide overage limit    |
 * |                     | with onLimitReached: block is reached and this feature is in overage                     |
 * | overage units       | min(u, where usage stops) - granted, at least 0                                          |
 * | overage charge      | when charged: ceil(overage / price.per) × price.amount (never above maxOverageCharge)    |
 * | alerts fired        | enabled alerts whose threshold in units is ≤ u ("fires when usage reaches")              |
 */

export type BlockReason = 'included' | 'spend_limit' | 'max_purchase' | 'usage_limit' | 'overage_limit';

/** The auto top-ups bought at a usage. */
export interface TopupsAt {
  bought: number;
  /** Units they added to the balance. */
  units: number;
  /** What they cost in minor units; null when the plan item has no top-up price (or beyond the exact range). */
  cost: number | null;
  /** Most top-ups the purchase limit allows in one of its windows; null when unlimited. */
  limit: number | null;
}

/** An alert as a state or ladder names it. */
export interface FiredAlert {
  type: 'usage' | 'usage_percentage';
  threshold: number;
  units: number;
  name?: string;
}

/** One feature at one usage. */
export interface FeatureState {
  usage: number;
  allowed: boolean;
  /** Why the next unit is refused; null when allowed. */
  blockedBy: BlockReason | null;
  /** Usage beyond the included amount and top-ups, up to where usage stops. */
  overageUnits: number;
  /** Overage money so far (minor units): 0 when overage is not charged; null when it cannot be priced. */
  overageCharge: number | null;
  alertsFired: FiredAlert[];
  topUps: TopupsAt | null;
  /** Enabled usage limits this usage reaches, and whether that alone blocks (a shorter window cannot be judged from period usage). */
  usageLimitsReached: Array<{ limit: UsageLimitSetting; blocks: boolean }>;
}

/** The customer-wide overage limit at the given usages. */
export interface OverageLimitState {
  maxOverageAmount: number;
  onLimitReached: 'block' | 'notify';
  reached: boolean;
}

/** A customer and its entities at given usages. */
export interface CustomerState {
  features: Record<string, FeatureState>;
  entities: Record<string, Record<string, FeatureState>>;
  /** Overage money billed across features and entities (minor units), within the overage limit when it blocks; null when a charge cannot be priced. */
  overageCharge: number | null;
  overageLimit: OverageLimitState | null;
}

/** Usage of one feature of the customer (entity undefined) or of one of its entities; undefined reads as 0. */
export type UsageOf = (entity: string | undefined, feature: string) => number | undefined;

const PERIOD_RANK: Record<string, number> = { hour: 0, day: 1, week: 2, month: 3, quarter: 4, year: 5 };

/** How many top-ups the purchase limit allows, and the cost of one; null limit when unlimited. */
function topupPlan(terms: FeatureTerms): { quantity: number; threshold: number; limit: number | null; cost: number | null } | null {
  const t = terms.feature.autoTopup;
  if (t === null || !t.enabled || t.quantity <= 0) return null;
  const cost = terms.topUpPrice === null ? null : (overageCharge(t.quantity, terms.topUpPrice) ?? null);
  return { quantity: t.quantity, threshold: t.threshold, limit: t.purchaseLimit === null ? null : t.purchaseLimit.limit, cost };
}

/** Top-ups bought by usage u. */
export function topupsBought(terms: FeatureTerms, usage: number): number {
  const plan = topupPlan(terms);
  if (plan === null) return 0;
  // On a blocked feature a threshold of 0 is never crossed: usage stops at a balance of 0.
  if (plan.threshold <= 0 && terms.feature.overage === 'block') return 0;
  const need = usage - terms.feature.included + plan.threshold;
  if (need <= 0) return 0;
  const count = Math.ceil(need / plan.quantity);
  return plan.limit === null ? count : Math.min(count, plan.limit);
}

/** Where usage stops with `bought` top-ups, and why; null when nothing stops it. */
export function stopPoint(terms: FeatureTerms, bought: number): { at: number; by: BlockReason } | null {
  const f = terms.feature;
  const granted = f.included + bought * (f.autoTopup?.quantity ?? 0);
  if (f.overage === 'block') return { at: granted, by: 'included' };
  if (typeof f.maxOverageUnits !== 'number') return null;
  return { at: granted + f.maxOverageUnits, by: capReason(terms) };
}

function capReason(terms: FeatureTerms): BlockReason {
  return terms.capFrom === 'max_purchase' ? 'max_purchase' : 'spend_limit';
}

/** Whether a usage limit's window holds the whole reset period, so period usage at its limit is refused. */
export function windowHoldsPeriod(limit: UsageLimitSetting, reset: string | null): boolean {
  if (reset === null || reset === 'never' || limit.filter !== undefined || !limit.enabled) return false;
  const window = PERIOD_RANK[limit.interval]!;
  const period = PERIOD_RANK[reset];
  if (period === undefined) return false;
  // The same interval holds the period only when both start on the billing cycle.
  return window > period || (window === period && limit.anchor === 'billing_cycle');
}

/** Overage money for `units` of overage; 0 when not charged, null when it cannot be priced. */
export function chargeFor(terms: FeatureTerms, units: number): number | null {
  if (!terms.feature.charged || units <= 0) return 0;
  return priced(units, terms.price);
}

function priced(units: number, price: Price | null): number | null {
  return price === null ? null : (overageCharge(units, price) ?? null);
}

/** One feature at usage u, on its own (without the customer-wide overage limit). */
export function evaluateFeature(terms: FeatureTerms, usage: number): FeatureState {
  const f = terms.feature;
  const u = Math.max(0, usage);
  const plan = topupPlan(terms);
  const bought = topupsBought(terms, u);
  const granted = f.included + bought * (plan?.quantity ?? 0);
  const stop = stopPoint(terms, bought);
  const reached = f.usageLimits.filter((l) => l.enabled && l.filter === undefined && u >= l.limit).map((limit) => ({ limit, blocks: windowHoldsPeriod(limit, f.reset) }));
  let blockedBy: BlockReason | null = null;
  if (stop !== null && u >= stop.at) blockedBy = stop.by;
  else if (reached.some((r) => r.blocks)) blockedBy = 'usage_limit';
  const overageUnits = Math.max(0, Math.min(u, stop?.at ?? u) - granted);
  const state: FeatureState = {
    usage: u,
    allowed: blockedBy === null,
    blockedBy,
    overageUnits,
    overageCharge: chargeFor(terms, overageUnits),
    alertsFired: f.usageAlerts.filter((a) => a.enabled && u >= a.units).map(firedAlert),
    topUps: plan === null ? null : { bought, units: bought * plan.quantity, cost: plan.cost === null ? null : safeTimes(bought, plan.cost), limit: plan.limit },
    usageLimitsReached: reached,
  };
  return state;
}

function safeTimes(n: number, each: number): number | null {
  const v = n * each;
  return Number.isSafeInteger(v) ? v : null;
}

/** An effective alert as fired. */
export function firedAlert(a: { type: 'usage' | 'usage_percentage'; threshold: number; units: number; name?: string }): FiredAlert {
  const out: FiredAlert = { type: a.type, threshold: a.threshold, units: a.units };
  if (a.name !== undefined) out.name = a.name;
  return out;
}

/**
 * A customer and its entities at the given usages. The customer-wide overage limit counts the charges of every
 * feature of the customer and its entities together; when it blocks and is reached, every feature in overage is
 * refused and the money billed stays within it.
 */
export function evaluateCustomer(terms: CustomerTerms, usageOf: UsageOf): CustomerState {
  const each = (entity: string | undefined, features: Record<string, FeatureTerms>): Record<string, FeatureState> =>
    Object.fromEntries(Object.entries(features).map(([id, t]) => [id, evaluateFeature(t, usageOf(entity, id) ?? 0)]));
  const features = each(undefined, terms.features);
  const entities = Object.fromEntries(Object.entries(terms.entities).map(([id, f]) => [id, each(id, f)]));
  const all = [...Object.values(features), ...Object.values(entities).flatMap((e) => Object.values(e))];
  let total: number | null = 0;
  for (const s of all) total = total === null || s.overageCharge === null ? null : total + s.overageCharge;
  if (total !== null && !Number.isSafeInteger(total)) total = null;
  const limit = terms.overageLimit;
  if (limit === null || limit === 'unlimited') return { features, entities, overageCharge: total, overageLimit: null };
  const reached = total !== null && total >= limit.maxOverageAmount;
  if (reached && limit.onLimitReached === 'block') {
    const refuse = (states: Record<string, FeatureState>, ts: Record<string, FeatureTerms>): void => {
      for (const [id, s] of Object.entries(states)) {
        const t = ts[id]!;
        if (s.allowed && t.feature.charged && s.usage >= t.feature.included + (s.topUps?.units ?? 0)) {
          s.allowed = false;
          s.blockedBy = 'overage_limit';
        }
      }
    };
    refuse(features, terms.features);
    for (const [id, states] of Object.entries(entities)) refuse(states, terms.entities[id]!);
    total = Math.min(total!, limit.maxOverageAmount);
  }
  return { features, entities, overageCharge: total, overageLimit: { maxOverageAmount: limit.maxOverageAmount, onLimitReached: limit.onLimitReached, reached } };
}
