// Stored shapes of the Autumn emulator, in Autumn's snake_case wire form.

/** `overage_allowed` entry: whether usage may go past the included balance. */
export type OverageAllowedEntry = { feature_id: string; enabled: boolean };

/** `spend_limits` entry: overage cap in feature units. */
export type SpendLimitEntry = {
  feature_id?: string | undefined;
  enabled: boolean;
  limit_type?: string | undefined;
  overage_limit?: number | undefined;
  skip_overage_billing?: boolean | undefined;
};

/** `usage_alerts` entry. */
export type UsageAlertEntry = {
  feature_id?: string | undefined;
  enabled: boolean;
  threshold: number;
  threshold_type: string;
  basis: string;
  filter?: { properties: Record<string, string | number | boolean> } | undefined;
  name?: string | undefined;
};

/** `auto_topups[].purchase_limit`: at most `limit` top-ups per `interval_count` × `interval`. */
export type PurchaseLimit = { interval: string; interval_count: number; limit: number; count?: number | undefined };

/** `auto_topups` entry (customer and plan level only). */
export type AutoTopupEntry = {
  feature_id: string;
  enabled: boolean;
  threshold: number;
  quantity: number;
  purchase_limit?: PurchaseLimit | undefined;
  invoice_mode?: boolean | undefined;
};

/** `usage_limits` entry, kept as sent: a full limit, or (customers only) the usage-only form that sets a window's counter. */
export type UsageLimitEntry = { feature_id: string; [field: string]: unknown };

/** A billing_controls object; an absent key means no own entries of that kind. */
export type BillingControls = {
  overage_allowed?: OverageAllowedEntry[] | undefined;
  spend_limits?: SpendLimitEntry[] | undefined;
  usage_alerts?: UsageAlertEntry[] | undefined;
  auto_topups?: AutoTopupEntry[] | undefined;
  usage_limits?: UsageLimitEntry[] | undefined;
};

/** The billing_controls keys, in the order responses list them. */
export const CONTROL_KEYS = ['auto_topups', 'spend_limits', 'usage_limits', 'usage_alerts', 'overage_allowed'] as const;
export type ControlKey = (typeof CONTROL_KEYS)[number];

/** Entities take every control except auto top-ups (they bill the customer's payment method). */
export const ENTITY_CONTROL_KEYS: readonly ControlKey[] = CONTROL_KEYS.filter((key) => key !== 'auto_topups');

export type CustomerRecord = {
  id: string;
  name: string | null;
  email: string | null;
  created_at: number;
  /** The plan whose billing_controls this customer and its entities inherit. */
  plan_id: string | null;
  metadata: Record<string, unknown>;
  billing_controls: BillingControls;
};

export type EntityRecord = {
  id: string;
  customer_id: string;
  feature_id: string | null;
  name: string | null;
  created_at: number;
  billing_controls: BillingControls;
};

/** A plan item as plans.list returns it (snake_case; checked with autumn-js's ListPlansItem schema when seeded). */
export type PlanItemRecord = { feature_id: string; [field: string]: unknown };

export type PlanRecord = {
  id: string;
  name: string;
  description: string | null;
  created_at: number;
  billing_controls: BillingControls;
  /** The catalog: included units, reset and price per feature; absent in state files written before it was kept. */
  items?: PlanItemRecord[];
  archived?: boolean;
};

/** A feature as features.list returns it (snake_case; checked with autumn-js's ListFeaturesList schema when seeded). */
export type FeatureRecord = { id: string; name: string; type: string; consumable: boolean; archived: boolean; [field: string]: unknown };

/** The whole emulator state, as `state()` returns it and the state file stores it. */
export type AutumnState = {
  customers: CustomerRecord[];
  entities: EntityRecord[];
  plans: PlanRecord[];
  features?: FeatureRecord[];
};
