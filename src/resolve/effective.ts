/** The shapes resolution produces: the effective policy each customer and entity gets, with provenance. */
import type { UsageLimitSetting } from '../model/usage-limits.js';

export type { UsageLimitSetting };

export type LayerName = 'exception' | 'entity' | 'customer' | 'profile' | 'plan' | 'default';

/** A value a winning layer hid. */
export interface Overridden {
  layer: LayerName;
  profile?: string;
  /** For the exception layer: its id, the block it is declared in, and when it ends. */
  exception?: string;
  on?: 'customer' | 'entity';
  until?: string;
  value: unknown;
  file?: string;
  line?: number;
}

/** Where a resolved value came from. */
export interface Source {
  layer: LayerName;
  profile?: string;
  /** For the exception layer: its id, the block it is declared in, and when it ends. */
  exception?: string;
  on?: 'customer' | 'entity';
  until?: string;
  file?: string;
  line?: number;
  column?: number;
  overridden: Overridden[];
}

/** A usage alert with its default made explicit, as billing systems store it. */
export interface AlertSetting {
  type: 'usage' | 'usage_percentage';
  threshold: number;
  name?: string;
  enabled: boolean;
}

export interface EffectiveAlert extends AlertSetting {
  /** The threshold in feature units (for percentages: threshold% of included). */
  units: number;
}

export interface EffectivePurchaseLimit {
  interval: 'hour' | 'day' | 'week' | 'month';
  intervalCount: number;
  limit: number;
}

/** An auto top-up with its defaults made explicit, as billing systems store it. */
export interface TopupSetting {
  threshold: number;
  quantity: number;
  purchaseLimit?: EffectivePurchaseLimit;
  enabled: boolean;
}

export interface EffectiveAutoTopup {
  threshold: number;
  quantity: number;
  purchaseLimit: EffectivePurchaseLimit | null;
  enabled: boolean;
}

export interface EffectiveOverageLimit {
  maxOverageAmount: number;
  onLimitReached: 'block' | 'notify';
}

export type FeatureField = 'overage' | 'maxOverageUnits' | 'usageAlerts' | 'usageLimits' | 'autoTopup';

export interface EffectiveFeature {
  type: 'metered' | 'credits';
  included: number;
  reset: string | null;
  pricing: 'included' | 'usage_based' | 'prepaid';
  overage: 'allow' | 'block';
  /** Overage is allowed and the item has usage pricing: overage is billed. */
  charged: boolean;
  /** `unlimited` when a layer removed the cap explicitly; null when no layer set one. */
  maxOverageUnits: number | 'unlimited' | null;
  /** Total units before usage is refused; null when unbounded. */
  hardLimit: number | null;
  /** Most overage money this feature can bill in a period (minor units); null when unbounded. */
  maxOverageCharge: number | null;
  usageAlerts: EffectiveAlert[];
  /** Windowed caps on usage, whatever the balance; [] when none. */
  usageLimits: UsageLimitSetting[];
  autoTopup: EffectiveAutoTopup | null;
  sources: Record<'included' | 'reset' | FeatureField, Source>;
}

export interface EffectiveEntity {
  name?: string;
  features: Record<string, EffectiveFeature>;
}

export interface EffectiveCustomer {
  name?: string;
  plan: string;
  currency: string;
  overageLimit: EffectiveOverageLimit | 'unlimited' | null;
  /** Conservative bound on overage money across the customer and its entities; null when unbounded. */
  maxOverageExposure: number | null;
  features: Record<string, EffectiveFeature>;
  entities: Record<string, EffectiveEntity>;
  sources: { overageLimit: Source };
}

/** The artifact format compile writes: 2 keeps provenance compact (compact-provenance.ts); 1 wrote it in full. */
export const EFFECTIVE_FORMAT_VERSION = 2;

/** The effective policy with every source in full: format 1 as written, and what reading any format returns. */
export interface EffectivePolicy {
  formatVersion: 1;
  /** The instant the policies were resolved at (RFC 3339, UTC). */
  asOf: string;
  /** The next start or end of an exception after asOf, when the effective policy may change by itself; null when none. */
  nextChangeAt: string | null;
  digest: string;
  customers: Record<string, EffectiveCustomer>;
}
