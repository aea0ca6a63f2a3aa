// What evaluating usage needs to know of a customer: its effective controls (without provenance) and the
// plan item's prices, which the effective policy does not carry.
import type { PolicySet } from '../model/policy-set.js';
import type { EffectiveCustomer, EffectiveFeature, EffectiveOverageLimit } from '../resolve/effective.js';

/** A price of the plan item: `amount` minor units per `per` units. */
export interface Price {
  amount: number;
  per: number;
}

/** An effective feature, with or without its provenance. */
type PlainFeature = Omit<EffectiveFeature, 'sources'> & { sources?: EffectiveFeature['sources'] };

/** One effective feature with the prices that turn its units into money. */
export interface FeatureTerms {
  feature: Omit<EffectiveFeature, 'sources'>;
  /** Overage price; null when the item has none. */
  price: Price | null;
  /** One-off price auto top-ups buy at; null when the item has none. */
  topUpPrice: Price | null;
  /** Where the overage cap comes from: the plan item's maxPurchase, or a spend limit some layer set. */
  capFrom: 'max_purchase' | 'spend_limit' | null;
}

/** A customer's features and its entities' features, with the customer-wide overage limit over all of them. */
export interface CustomerTerms {
  currency: string;
  overageLimit: EffectiveOverageLimit | 'unlimited' | null;
  features: Record<string, FeatureTerms>;
  entities: Record<string, Record<string, FeatureTerms>>;
}

/** The terms of a resolved customer: its effective features joined with its plan's prices. */
export function customerTerms(
  set: PolicySet,
  customer: Pick<EffectiveCustomer, 'plan' | 'currency' | 'overageLimit'> & { features: Record<string, PlainFeature>; entities: Record<string, Record<string, PlainFeature>> },
): CustomerTerms {
  const items = set.plans.get(customer.plan)?.items;
  const withPrices = (features: Record<string, PlainFeature>): Record<string, FeatureTerms> => {
    const out: Record<string, FeatureTerms> = {};
    for (const [id, feature] of Object.entries(features)) {
      const item = items?.get(id);
      out[id] = { feature, price: item?.price ?? null, topUpPrice: item?.topUpPrice ?? null, capFrom: capFrom(feature, item?.maxPurchase) };
    }
    return out;
  };
  return {
    currency: customer.currency,
    overageLimit: customer.overageLimit,
    features: withPrices(customer.features),
    entities: Object.fromEntries(Object.entries(customer.entities).map(([id, features]) => [id, withPrices(features)])),
  };
}

/** The entities of an effective-policy customer as plain feature maps, the shape customerTerms takes. */
export function entityFeatures(customer: Pick<EffectiveCustomer, 'entities'>): Record<string, Record<string, EffectiveFeature>> {
  return Object.fromEntries(Object.entries(customer.entities).map(([id, e]) => [id, e.features]));
}

/** maxPurchase when no layer set the cap (provenance says so, or, without provenance, the values agree). */
function capFrom(feature: PlainFeature, maxPurchase: number | undefined): FeatureTerms['capFrom'] {
  if (typeof feature.maxOverageUnits !== 'number') return null;
  const fromDefault = feature.sources ? feature.sources.maxOverageUnits.layer === 'default' : feature.maxOverageUnits === maxPurchase;
  return fromDefault ? 'max_purchase' : 'spend_limit';
}
