/* Generated from schema/policy.schema.json by scripts/gen-types.mjs. Do not edit: run `npm run gen:types`. */

/**
 * One YAML document of a tollgate policy repository. The `kind` picks the shape.
 */
export type PolicyDocument = FeatureDocument | PlanDocument | ProfileDocument | CustomerDocument | EntityDocument;
/**
 * An identifier: a letter or digit, then up to 127 letters, digits, `_`, `.`, `:` or `-`.
 */
export type Id = string;
/**
 * An ISO 4217 currency code in capitals (USD, EUR, JPY); money is in its minor units. The list is the currencies Node's Intl knows (ICU data of Node 20).
 */
export type Currency = string;
/**
 * Units included per reset period.
 */
export type Units = number;
/**
 * An amount of money in integer minor units of the plan's currency (cents for USD).
 */
export type MinorUnits = number;
/**
 * Plan-level cap on overage units.
 */
export type Units1 = number;
/**
 * A whole number of feature units.
 */
export type Units2 = number;
/**
 * A customer-wide overage cap; `unlimited` removes a cap set lower down; null inherits.
 */
export type OverageLimit = OverageLimitValue | 'unlimited' | null;

export interface FeatureDocument {
  kind: 'Feature';
  id: Id;
  name?: string;
  description?: string;
  type: 'metered' | 'credits' | 'boolean';
}
export interface PlanDocument {
  kind: 'Plan';
  id: Id;
  name?: string;
  description?: string;
  currency: Currency;
  features: {
    [k: string]: PlanItem;
  };
  controls?: ControlsByFeature;
  overageLimit?: OverageLimit;
}
/**
 * What a plan includes of one feature. Not pushed: the catalog tollgate expects the billing system to have.
 */
export interface PlanItem {
  included?: Units;
  reset?: 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year' | 'never';
  /**
   * Default `included`.
   */
  pricing?: 'included' | 'usage_based' | 'prepaid';
  price?: Price;
  maxPurchase?: Units1;
  topUpPrice?: Price1;
}
/**
 * Overage price; required for usage_based.
 */
export interface Price {
  amount: MinorUnits;
  /**
   * How many units the amount buys.
   */
  per: number;
}
/**
 * One-off prepaid price that auto top-ups buy at.
 */
export interface Price1 {
  amount: MinorUnits;
  /**
   * How many units the amount buys.
   */
  per: number;
}
/**
 * Billing controls keyed by feature id.
 */
export interface ControlsByFeature {
  [k: string]: FeatureControls | null;
}
/**
 * Billing controls of one feature. An absent key or null inherits from the layer below.
 */
export interface FeatureControls {
  /**
   * Whether usage may go beyond the included amount.
   */
  overage?: 'allow' | 'block' | null;
  /**
   * Spend limit: overage units allowed beyond the included amount; `unlimited` removes a cap set lower down.
   */
  maxOverageUnits?: Units2 | 'unlimited' | null;
  /**
   * Replaces the alerts of lower layers whole; [] means no alerts.
   */
  usageAlerts?: UsageAlert[] | null;
  /**
   * Windowed caps on usage; replaces the limits of lower layers whole; [] means no limits.
   */
  usageLimits?: UsageLimit[] | null;
  /**
   * Automatic top-up of a prepaid balance. Not allowed on entities.
   */
  autoTopup?: AutoTopup | null;
}
/**
 * Notify (never block) when usage crosses a threshold.
 */
export interface UsageAlert {
  /**
   * Units for `usage`, percent of the included amount (0-100) for `usage_percentage`.
   */
  threshold: number;
  type: 'usage' | 'usage_percentage';
  name?: string;
  /**
   * false keeps the alert configured but inactive. Default true.
   */
  enabled?: boolean;
}
/**
 * At most `limit` units of usage per `interval`, whatever the balance.
 */
export interface UsageLimit {
  /**
   * Units allowed per interval.
   */
  limit: number;
  interval: 'day' | 'week' | 'month' | 'year';
  /**
   * Where windows start: the customer's billing cycle (default) or the UTC calendar.
   */
  anchor?: 'billing_cycle' | 'utc';
  filter?: UsageFilter;
  /**
   * false keeps the limit configured but inactive. Default true.
   */
  enabled?: boolean;
}
/**
 * Only usage from events whose properties all match counts toward the limit.
 */
export interface UsageFilter {
  properties: {
    [k: string]: string;
  };
}
/**
 * Buy `quantity` units at the plan's top-up price whenever the balance drops below `threshold`. Customer-level only.
 */
export interface AutoTopup {
  threshold: Units2;
  quantity: number;
  purchaseLimit?: PurchaseLimit;
  /**
   * false keeps the top-up configured but inactive. Default true.
   */
  enabled?: boolean;
}
/**
 * At most `limit` auto top-ups every `intervalCount` `interval`s.
 */
export interface PurchaseLimit {
  interval: 'hour' | 'day' | 'week' | 'month';
  /**
   * Default 1.
   */
  intervalCount?: number;
  limit: number;
}
/**
 * A customer-wide cap on overage money across all features.
 */
export interface OverageLimitValue {
  maxOverageAmount: MinorUnits;
  onLimitReached: 'block' | 'notify';
}
export interface ProfileDocument {
  kind: 'Profile';
  id: Id;
  name?: string;
  description?: string;
  /**
   * Profiles this one builds on; later wins.
   */
  extends?: Id[];
  controls?: ControlsByFeature;
  overageLimit?: OverageLimit;
}
export interface CustomerDocument {
  kind: 'Customer';
  id: Id;
  name?: string;
  plan: Id;
  /**
   * Profiles applied in order; later wins.
   */
  extends?: Id[];
  controls?: ControlsByFeature;
  overageLimit?: OverageLimit;
  entities?: {
    [k: string]: InlineEntity | null;
  };
}
export interface InlineEntity {
  name?: string;
  controls?: ControlsByFeature;
}
export interface EntityDocument {
  kind: 'Entity';
  id: Id;
  customer: Id;
  name?: string;
  controls?: ControlsByFeature;
}
