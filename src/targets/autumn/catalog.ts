// Autumn's catalog (plans.list and features.list) read once, and its plan items in the policy language's terms:
// what `plan` compares the policies' plans with, and what `import --catalog` writes out.
import type { ListFeaturesList, ListPlansItem } from 'autumn-js';
import type { PlanItem, Price } from '../../types/policy.generated.js';
import { currencyDigits } from '../../util/money.js';
import type { AutumnClient } from './client.js';
import { readFeatureList, readPlanList, type PlanRead } from './responses.js';

/** Autumn's plans (archived ones included) and features, by id. */
export interface AutumnCatalog {
  plans: Map<string, PlanRead>;
  features: Map<string, ListFeaturesList>;
}

/** Reads the whole catalog: two requests, plans.list and features.list. */
export async function readCatalog(client: Pick<AutumnClient, 'read'>): Promise<AutumnCatalog> {
  const [plans, features] = await Promise.all([readPlans(client), readFeatures(client)]);
  return { plans, features };
}

/** Every plan, archived ones included (they still hold customers and billing controls), by id: one plans.list. */
export async function readPlans(client: Pick<AutumnClient, 'read'>): Promise<Map<string, PlanRead>> {
  const plans = await readPlanList(await client.read('/v1/plans.list', { include_archived: true }));
  return new Map(plans.map((p) => [p.id, p]));
}

/** Every feature by id: one features.list. */
export async function readFeatures(client: Pick<AutumnClient, 'read'>): Promise<Map<string, ListFeaturesList>> {
  const features = await readFeatureList(await client.read('/v1/features.list', {}));
  return new Map(features.map((f) => [f.id, f]));
}

/**
 * One feature's items on an Autumn plan, as a policy plan item would say them. Values the policy language has no
 * word for are kept as text so a comparison can show them: `reset: "2 month"`, `price: "tiered"`, `included: "unlimited"`.
 */
export interface CatalogItem {
  included: number | 'unlimited';
  reset: NonNullable<PlanItem['reset']> | string;
  pricing: NonNullable<PlanItem['pricing']> | string;
  price?: Price | 'tiered';
  maxPurchase?: number;
  topUpPrice?: Price | 'tiered';
}

const RESETS = new Set<string>(['hour', 'day', 'week', 'month', 'quarter', 'year']);

/**
 * The feature's items on one Autumn plan (`items` filtered to that feature) in policy terms, money in minor units
 * of `currency`; undefined when the plan has no item for it. A one-off prepaid item is the top-up price (SPEC §1);
 * the other item is the plan item proper.
 */
export function catalogItem(items: readonly ListPlansItem[], currency: string): CatalogItem | undefined {
  if (items.length === 0) return undefined;
  const isTopUp = (i: ListPlansItem): boolean => i.price?.interval === 'one_off' && i.price.billingMethod === 'prepaid';
  const topUp = items.find(isTopUp);
  const main = items.find((i) => !isTopUp(i));
  const out: CatalogItem = main
    ? { included: main.unlimited ? 'unlimited' : main.included, reset: resetOf(main), pricing: main.price === null ? 'included' : main.price.billingMethod }
    : { included: 0, reset: 'never', pricing: 'included' };
  const price = main?.price;
  if (price) {
    out.price = priceOf(price, currency);
    if (price.maxPurchase !== null) out.maxPurchase = price.maxPurchase;
  }
  if (topUp?.price) out.topUpPrice = priceOf(topUp.price, currency);
  return out;
}

function resetOf(item: ListPlansItem): string {
  if (item.reset === null || item.reset.interval === 'one_off') return 'never';
  const count = item.reset.intervalCount ?? 1;
  const interval = String(item.reset.interval);
  return count === 1 && RESETS.has(interval) ? interval : `${count} ${interval}`;
}

/** Autumn prices in major units per `billing_units`; the policies in minor units per `per`. */
function priceOf(price: NonNullable<ListPlansItem['price']>, currency: string): Price | 'tiered' {
  if (price.amount === undefined) return 'tiered';
  // toFixed drops binary noise (0.1 × 100); a sub-minor-unit price stays fractional and shows as a difference.
  return { amount: Number((price.amount * 10 ** currencyDigits(currency)).toFixed(6)), per: price.billingUnits };
}
