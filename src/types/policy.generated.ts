/* Generated from schema/policy.schema.json by scripts/gen-types.mjs. Do not edit: run `npm run gen:types`. */

/**
 * One YAML document of a tollgate policy repository. The `kind` picks the shape.
 */
export type PolicyDocument =
  | FeatureDocument
  | PlanDocument
  | ProfileDocument
  | CustomerDocument
  | EntityDocument
  | GuardrailDocument
  | WaiverDocument;
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
/**
 * An identifier: a letter or digit, then up to 127 letters, digits, `_`, `.`, `:` or `-`.
 */
export type Id1 = string;
/**
 * When it starts; optional (active until `until`).
 */
export type Instant = string;
/**
 * When it ends (exclusive).
 */
export type Instant1 = string;
/**
 * Time-boxed overrides of this customer.
 */
export type Exceptions = CustomerException[];
/**
 * An identifier: a letter or digit, then up to 127 letters, digits, `_`, `.`, `:` or `-`.
 */
export type Id2 = string;
/**
 * When it starts; optional (active until `until`).
 */
export type Instant2 = string;
/**
 * When it ends (exclusive).
 */
export type Instant3 = string;
/**
 * Required: after it the waiver covers nothing.
 */
export type Instant4 = string;

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
  exceptions?: Exceptions;
  entities?: {
    [k: string]: InlineEntity | null;
  };
}
/**
 * A time-boxed override: while active (from <= now < until) it is a layer directly above the customer's own controls; later in the list wins.
 */
export interface CustomerException {
  id: Id1;
  from?: Instant;
  until: Instant1;
  /**
   * Why, and who approved it.
   */
  reason: string;
  controls?: ControlsByFeature;
  overageLimit?: OverageLimit;
}
export interface InlineEntity {
  name?: string;
  controls?: ControlsByFeature;
  /**
   * Time-boxed overrides of this entity.
   */
  exceptions?: EntityException[];
}
/**
 * A time-boxed override of an entity: while active it is a layer directly above the entity's own controls; later in the list wins.
 */
export interface EntityException {
  id: Id2;
  from?: Instant2;
  until: Instant3;
  /**
   * Why, and who approved it.
   */
  reason: string;
  controls?: ControlsByFeature;
}
export interface EntityDocument {
  kind: 'Entity';
  id: Id;
  customer: Id;
  name?: string;
  controls?: ControlsByFeature;
  /**
   * Time-boxed overrides of this entity.
   */
  exceptions?: EntityException[];
}
/**
 * A rule on effective values (checked by validate and plan) and on plans (checked by plan and apply).
 */
export interface GuardrailDocument {
  kind: 'Guardrail';
  id: Id;
  /**
   * advisory: a warning; soft: an error unless waived; hard: an error no waiver lifts.
   */
  level: 'advisory' | 'soft' | 'hard';
  /**
   * Shown with every failure: what the rule protects.
   */
  message: string;
  description?: string;
  /**
   * Customers the guardrail applies to: on any of these plans, extending any of these profiles, or named. All customers when absent.
   */
  applies?: {
    plans?: Id[];
    profiles?: Id[];
    customers?: Id[];
  };
  /**
   * Each must hold for every customer the guardrail applies to, and for its entities.
   */
  require?: {
    maxOverageExposure?: MoneyBound;
    /**
     * Per feature id, or "*" for every feature of the customer's plan.
     */
    features?: {
      [k: string]: FeatureRequirements;
    };
  };
  /**
   * Checked by plan only.
   */
  changes?: {
    exposureIncrease?: MoneyBound2;
  };
}
/**
 * The customer's bound on overage money, its entities included.
 */
export interface MoneyBound {
  max?: MinorUnits;
  min?: MinorUnits;
  currency?: Currency;
}
/**
 * What must hold for one feature's effective values.
 */
export interface FeatureRequirements {
  /**
   * The effective overage must equal this.
   */
  overage?: 'allow' | 'block';
  maxOverageUnits?: UnitBound;
  hardLimit?: UnitBound1;
  maxOverageCharge?: MoneyBound1;
  usageAlerts?: Presence;
  usageLimits?: Presence;
  autoTopup?: Presence;
}
/**
 * Overage units allowed beyond the included amount (0 when overage is blocked).
 */
export interface UnitBound {
  max?: Units2;
  min?: Units2;
}
/**
 * Bounds on a count of units; an unbounded value fails a `max` and passes a `min`.
 */
export interface UnitBound1 {
  max?: Units2;
  min?: Units2;
}
/**
 * Bounds on an amount of money in minor units of `currency`; only customers in that currency are checked. An unbounded value fails a `max`.
 */
export interface MoneyBound1 {
  max?: MinorUnits;
  min?: MinorUnits;
  currency?: Currency;
}
/**
 * `required: true`: the control must be set (non-empty); `forbidden: true`: it must not be.
 */
export interface Presence {
  required?: true;
  forbidden?: true;
}
/**
 * Bounds on an amount of money in minor units of `currency`; only customers in that currency are checked. An unbounded value fails a `max`.
 */
export interface MoneyBound2 {
  max?: MinorUnits;
  min?: MinorUnits;
  currency?: Currency;
}
/**
 * Lets a reviewed exception through a soft guardrail, for the customers and entities named, until it expires.
 */
export interface WaiverDocument {
  kind: 'Waiver';
  id: Id;
  guardrail: Id;
  /**
   * Covered customers, with their entities.
   */
  customers?: Id[];
  /**
   * Covered entities, as customer/entity.
   */
  entities?: string[];
  reason: string;
  approvedBy?: string;
  expires: Instant4;
}
