import { diagnostic, type Diagnostic, type Location } from '../diagnostics/diagnostic.js';
import { toPointer } from '../load/positions.js';
import { at, type CustomerDef, type PlanDef, type PolicySet } from '../model/policy-set.js';
import { exactSum } from '../resolve/exact.js';
import type { ResolvedCustomer } from '../resolve/resolve.js';
import type { ResolvedFeature, Winner } from '../resolve/precedence.js';

function where(w: Winner, suffix = '') {
  return at(w.layer.origin!, w.pointer + suffix);
}

const RANK = { entity: 1, customer: 3, profile: 4, plan: 5 } as const;

/** Precedence of the layer that set a value: lower wins; an exception is just above its block; the plan-item default is last. */
function rank(w: Winner | undefined): number {
  if (!w) return 6;
  const l = w.layer;
  return l.layer === 'exception' ? (l.exception?.on === 'entity' ? 0 : 2) : RANK[l.layer];
}

function layerName(w: Winner): string {
  return w.layer.layer === 'profile' ? `profile "${w.layer.profile}"` : w.layer.exception ? `exception "${w.layer.exception.id}"` : w.layer.layer;
}

/** Checks that need the resolved policy: settings that can never take effect, top-ups without a price. */
export function checkEffects(set: PolicySet, customerId: string, resolved: ResolvedCustomer): Diagnostic[] {
  const out: Diagnostic[] = [];
  const customer = set.customers.get(customerId)!;
  const plan = set.plans.get(customer.plan)!;
  const check = (subject: string, featureId: string, r: ResolvedFeature): void => {
    const e = r.effective;
    const cap = r.winners.maxOverageUnits;
    // A setting shadowed for one subject by a more specific layer (an entity blocking overage under its
    // customer's cap) is that layer's choice, not a mistake where the setting was written.
    if (cap && e.overage === 'block' && typeof e.maxOverageUnits === 'number' && rank(r.winners.overage) >= rank(cap)) {
      out.push(diagnostic('ineffective-spend-limit', `Spend limit of ${e.maxOverageUnits} on "${featureId}" has no effect for ${subject}: overage resolves to block (set by ${describeOverage(r)}), so usage stops at the ${e.included} included. Allow overage or remove the limit.`, where(cap)));
    }
    const alerts = r.winners.usageAlerts;
    const limitedBy = e.overage === 'block' ? r.winners.overage : r.winners.maxOverageUnits;
    if (alerts && e.hardLimit !== null && rank(limitedBy) >= rank(alerts)) {
      e.usageAlerts.forEach((alert, i) => {
        if (alert.type === 'usage' && alert.threshold > e.hardLimit!) {
          out.push(diagnostic('unreachable-alert', `Usage alert at ${alert.threshold} on "${featureId}" can never fire for ${subject}: usage is capped at ${e.hardLimit}. Lower the threshold or raise the cap.`, where(alerts, `/${i}/threshold`)));
        }
      });
    }
    out.push(...checkExactRange(plan, subject, featureId, r));
    const topup = r.winners.autoTopup;
    if (topup && !plan.items.get(featureId)?.topUpPrice) {
      out.push(diagnostic('auto-topup-without-price', `Auto top-up of "${featureId}" for ${subject} needs a one-off top-up price, but plan "${plan.id}" has no "topUpPrice" for it. Add topUpPrice to the plan item or remove the top-up (set by ${layerName(topup)}).`, where(topup)));
    }
  };
  for (const [featureId, r] of resolved.features) check(`customer "${customerId}"`, featureId, r);
  for (const [entityId, features] of resolved.entities) {
    for (const [featureId, r] of features) check(`entity "${customerId}/${entityId}"`, featureId, r);
  }
  const limit = resolved.effective.overageLimit;
  const winner = resolved.overageLimitWinner;
  const exposureTooLarge = checkExposureRange(customer, resolved);
  if (exposureTooLarge) out.push(exposureTooLarge);
  if (winner && limit !== null && limit !== 'unlimited') {
    const anyCharged = [resolved.features, ...resolved.entities.values()].some((m) => [...m.values()].some((r) => r.effective.charged));
    if (!anyCharged) {
      out.push(diagnostic('overage-limit-without-charges', `Customer "${customerId}" has an overage limit but no feature where overage is charged (usage_based pricing with overage allowed), so the limit has nothing to cap.`, where(winner)));
    }
  }
  return out;
}

function describeOverage(r: ResolvedFeature): string {
  const w = r.winners.overage;
  return w ? layerName(w) : 'the plan item default';
}

/** Where a feature's spend limit is set: the winning layer, else the plan item's maxPurchase. */
function capLocation(plan: PlanDef, featureId: string, r: ResolvedFeature): Location {
  const cap = r.winners.maxOverageUnits;
  return cap ? where(cap) : at(plan.origin, toPointer(['features', featureId, 'maxPurchase']));
}

/**
 * A hard limit or maximum charge beyond 2^53 - 1 is not a number JSON holds exactly: resolution leaves it null
 * (unbounded) although a spend limit is set, and it is refused here, at that spend limit.
 */
function checkExactRange(plan: PlanDef, subject: string, featureId: string, r: ResolvedFeature): Diagnostic[] {
  const e = r.effective;
  if (typeof e.maxOverageUnits !== 'number' || e.overage === 'block') return [];
  if (e.hardLimit === null) {
    return [diagnostic('units-out-of-range', `The hard limit of "${featureId}" for ${subject} would be ${e.included} included + ${e.maxOverageUnits} overage units, more than ${Number.MAX_SAFE_INTEGER} (2^53 - 1), the largest count tollgate computes exactly. Lower the spend limit, or write "unlimited" for no cap.`, capLocation(plan, featureId, r))];
  }
  const price = plan.items.get(featureId)!.price;
  if (e.charged && price && e.maxOverageCharge === null) {
    return [
      diagnostic(
        'money-out-of-range',
        `The most overage "${featureId}" can bill ${subject} would be ceil(${e.maxOverageUnits} / ${price.per}) × ${price.amount} minor units, more than ${Number.MAX_SAFE_INTEGER} (2^53 - 1), the largest amount tollgate computes exactly. Lower the spend limit or the price.`,
        capLocation(plan, featureId, r),
        [{ ...at(plan.origin, toPointer(['features', featureId, 'price'])), message: `price of "${featureId}" on plan "${plan.id}"` }],
      ),
    ];
  }
  return [];
}

/** A customer's exposure (its features' and entities' maximum charges added up) beyond 2^53 - 1, unless a blocking overage limit bounds it. */
function checkExposureRange(customer: CustomerDef, resolved: ResolvedCustomer): Diagnostic | undefined {
  // Resolution leaves the exposure null (unbounded) when a charge is unbounded or the sum is beyond range.
  if (resolved.effective.maxOverageExposure !== null) return undefined;
  const charges = [resolved.features, ...resolved.entities.values()].flatMap((m) => [...m.values()].map((r) => r.effective.maxOverageCharge));
  // An unbounded charge leaves the exposure unbounded; one beyond range was reported where it is set.
  if (charges.some((c) => c === null) || exactSum(charges as number[]) !== undefined) return undefined;
  return diagnostic(
    'money-out-of-range',
    `The overage customer "${customer.id}" and its entities can be billed adds up to more than ${Number.MAX_SAFE_INTEGER} minor units (2^53 - 1), the largest amount tollgate computes exactly. Lower the spend limits, or set overageLimit with onLimitReached: block.`,
    at(customer.origin, '/id'),
  );
}
