// The limit ladder of one feature (SPEC §11): the usage points where something happens, in order.
import type { EffectiveOverageLimit, UsageLimitSetting } from '../resolve/effective.js';
import { firedAlert, stopPoint, topupsBought, windowHoldsPeriod, type BlockReason, type FiredAlert } from './evaluate.js';
import { overageCharge } from '../resolve/exact.js';
import type { FeatureTerms } from './terms.js';

/** Most auto top-ups a ladder lists when their purchase limit does not end them. */
export const LADDER_TOPUPS = 5;

/** One rung: at this usage, this happens. */
export type LadderStep =
  | { at: number; kind: 'alert'; alert: FiredAlert }
  | { at: number; kind: 'included_used'; included: number }
  | { at: number; kind: 'top_up'; number: number; quantity: number; threshold: number; cost: number | null; last: 'limit' | 'more' | null }
  | { at: number; kind: 'usage_limit'; limit: UsageLimitSetting; blocks: boolean }
  | { at: number; kind: 'overage_limit'; maxOverageAmount: number; onLimitReached: 'block' | 'notify'; othersCharge: number }
  | { at: number; kind: 'blocked'; by: BlockReason; overageUnits: number; overageCharge: number | null };

const ORDER: Record<LadderStep['kind'], number> = { alert: 0, included_used: 1, top_up: 2, usage_limit: 3, overage_limit: 4, blocked: 5 };

/**
 * The ladder of one feature. `overageLimit` with `othersCharge` (the overage money the customer's other features
 * and entities bill at their usages) places where this feature's own charge makes the customer-wide limit reached.
 */
export function limitLadder(terms: FeatureTerms, overageLimit?: { limit: EffectiveOverageLimit; othersCharge: number }): LadderStep[] {
  const f = terms.feature;
  const steps: LadderStep[] = [];
  for (const a of f.usageAlerts) if (a.enabled) steps.push({ at: a.units, kind: 'alert', alert: firedAlert(a) });
  steps.push({ at: f.included, kind: 'included_used', included: f.included });

  // Top-ups buy while the balance dips below their threshold, up to the purchase limit (or a few, when unlimited).
  const t = f.autoTopup;
  let bought = 0;
  if (t !== null && t.enabled && t.quantity > 0) {
    const limit = t.purchaseLimit?.limit ?? null;
    const cost = terms.topUpPrice === null ? null : (overageCharge(t.quantity, terms.topUpPrice) ?? null);
    const shown = limit === null ? LADDER_TOPUPS : limit;
    for (let k = 0; k < shown; k++) {
      const at = f.included + k * t.quantity - t.threshold;
      // The usage at which the balance first sits below the threshold buys the top-up.
      if (topupsBought(terms, at + 1) <= k) break;
      const last = k === shown - 1 ? (limit === null ? 'more' : 'limit') : null;
      steps.push({ at: Math.max(0, at), kind: 'top_up', number: k + 1, quantity: t.quantity, threshold: t.threshold, cost, last });
      bought = k + 1;
    }
    if (limit === null) bought = Infinity;
  }

  // Unlimited top-ups keep the balance above their threshold: usage never reaches overage, nothing stops it.
  const stop = Number.isFinite(bought) ? stopPoint(terms, bought) : null;
  for (const l of f.usageLimits) if (l.enabled && l.filter === undefined) steps.push({ at: l.limit, kind: 'usage_limit', limit: l, blocks: windowHoldsPeriod(l, f.reset) });

  const granted = Number.isFinite(bought) ? f.included + bought * (t?.quantity ?? 0) : null;
  if (overageLimit && f.charged && terms.price !== null && granted !== null) {
    const { limit, othersCharge } = overageLimit;
    const left = limit.maxOverageAmount - othersCharge;
    // The first overage unit whose charge brings the customer's total to the limit.
    const units = left <= 0 ? 0 : (Math.ceil(left / terms.price.amount) - 1) * terms.price.per + 1;
    const at = granted + units;
    if (Number.isSafeInteger(at) && (stop === null || at < stop.at)) {
      steps.push({ at, kind: 'overage_limit', maxOverageAmount: limit.maxOverageAmount, onLimitReached: limit.onLimitReached, othersCharge });
    }
  }
  if (stop !== null && granted !== null) {
    const units = stop.at - granted;
    steps.push({ at: stop.at, kind: 'blocked', by: stop.by, overageUnits: units, overageCharge: f.charged ? (terms.price === null ? null : (overageCharge(units, terms.price) ?? null)) : 0 });
  }
  return steps.sort((a, b) => a.at - b.at || ORDER[a.kind] - ORDER[b.kind]);
}
