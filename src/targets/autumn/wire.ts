// ObjectControls ↔ Autumn `billing_controls`. Requests are typed with autumn-js's own wire ($Outbound)
// types, reads with the SDK's parsed response types, so a change in the vendor's shapes fails to compile.
import type {
  GetCustomerAutoTopup,
  GetCustomerBillingControls,
  GetCustomerSpendLimit,
  GetCustomerUsageAlert,
  GetCustomerUsageLimit,
  GetPlanBillingControls,
  ListCustomersBillingControls,
  ListPlansBillingControls,
  ListEntitiesBillingControls,
  UpdateCustomerAutoTopupRequestBody$Outbound,
  UpdateCustomerBillingControlsRequestBody$Outbound,
  UpdateCustomerOverageAllowedRequestBody$Outbound,
  UpdateCustomerSpendLimitRequestBody$Outbound,
  UpdateCustomerUsageAlertRequestBody$Outbound,
  UpdateCustomerUsageLimitRequestBody1$Outbound,
} from 'autumn-js';
import type { ControlChange } from '../../plan/diff.js';
import type { EffectivePurchaseLimit } from '../../resolve/effective.js';
import type { AlertSetting, FeatureControlName, FeatureSettings, ObjectControls, TopupSetting } from '../../plan/objects.js';
import { sortedProperties, usageLimitKey, type UsageLimitSetting } from '../../model/usage-limits.js';

export type OverageAllowedWire = UpdateCustomerOverageAllowedRequestBody$Outbound;
export type SpendLimitWire = UpdateCustomerSpendLimitRequestBody$Outbound;
export type UsageAlertWire = UpdateCustomerUsageAlertRequestBody$Outbound;
export type AutoTopupWire = UpdateCustomerAutoTopupRequestBody$Outbound;
export type UsageLimitWire = UpdateCustomerUsageLimitRequestBody1$Outbound;
/** What a customers.update (and, without auto_topups, an entities.update or plans.update) sends. */
export type BillingControlsWire = Pick<UpdateCustomerBillingControlsRequestBody$Outbound, Exclude<BillingKey, 'usage_limits'>> & {
  /** Only full limits (not the usage-only form customers.update also takes), so plans.update takes them too. */
  usage_limits?: UsageLimitWire[];
};

/** billing_controls as any read returns them, parsed by the SDK (camelCase). */
export type ReadControls = GetCustomerBillingControls | ListCustomersBillingControls | ListEntitiesBillingControls | GetPlanBillingControls | ListPlansBillingControls;

/** The billing_controls keys tollgate writes. */
export type BillingKey = 'overage_allowed' | 'spend_limits' | 'usage_alerts' | 'usage_limits' | 'auto_topups';

/** Which key holds each control (SPEC §5). */
export const KEY_OF: Record<FeatureControlName, BillingKey> = {
  overage: 'overage_allowed',
  maxOverageUnits: 'spend_limits',
  usageAlerts: 'usage_alerts',
  usageLimits: 'usage_limits',
  autoTopup: 'auto_topups',
};

/**
 * `usageAlerts: []` ("no alerts, whatever lower layers say") has no entry of its own in Autumn, where a
 * feature without own alerts inherits the plan's. A disabled alert hides the plan's alerts for that
 * feature just the same (own entries override inherited ones feature by feature), so [] is written
 * as this one disabled alert and read back as [].
 */
export const NO_ALERTS: Omit<UsageAlertWire, 'feature_id'> = {
  enabled: false,
  threshold: 0,
  threshold_type: 'usage',
  basis: 'balance',
  name: 'tollgate: no alerts',
};

/**
 * `usageLimits: []` the same way: one disabled limit, told apart from any a user writes by its filter on a
 * property only tollgate sets.
 */
export const NO_LIMITS: Omit<UsageLimitWire, 'feature_id'> = {
  enabled: false,
  limit: 1,
  interval: 'year',
  filter: { properties: { tollgate: 'no usage limits' } },
};

/** Own entries tollgate does not model, in wire form; kept as they are when their key is rewritten. */
export interface ForeignEntries {
  spend_limits: SpendLimitWire[];
  usage_alerts: UsageAlertWire[];
  usage_limits: UsageLimitWire[];
  auto_topups: AutoTopupWire[];
}

/** An object's own billing controls as tollgate sees them. */
export interface DecodedControls {
  controls: ObjectControls;
  foreign: ForeignEntries;
  /** Usage Autumn counted so far in each own limit's window, by limitUsageKey: sent back so a rewrite keeps it. */
  limitUsage: Map<string, number>;
}

/** Identifies one limit's window counter on an object: its feature, interval and filter. */
export function limitUsageKey(featureId: string, l: Pick<UsageLimitSetting, 'interval' | 'filter'>): string {
  return `${featureId}\0${usageLimitKey(l)}`;
}

/** Whether an entry read back with this `source` is the object's own (not inherited from its plan or customer). */
export type OwnSource = (source: string | undefined) => boolean;

// Own entries are unmarked or marked with the object's own level; "plan" (and, on an entity, "customer") are inherited.
export const OWN_SOURCE: Record<'plan' | 'customer' | 'entity', OwnSource> = {
  plan: () => true,
  customer: (s) => s === undefined || s === 'customer',
  entity: (s) => s === undefined || s === 'entity',
};

type Read<K extends keyof GetCustomerBillingControls> = NonNullable<GetCustomerBillingControls[K]>[number];

/** Reads an object's own entries into ObjectControls; entries tollgate cannot express are set aside as foreign. */
export function decodeControls(read: ReadControls | undefined, isOwn: OwnSource): DecodedControls {
  const features: Record<string, FeatureSettings> = {};
  const foreign: ForeignEntries = { spend_limits: [], usage_alerts: [], usage_limits: [], auto_topups: [] };
  const feature = (id: string): FeatureSettings => (features[id] ??= {});
  const own = <T extends { source?: string | undefined }>(entries: readonly T[] | undefined): T[] => (entries ?? []).filter((e) => isOwn(e.source));

  for (const entry of own<Read<'overageAllowed'>>(read?.overageAllowed)) {
    feature(entry.featureId).overage = entry.enabled ? 'allow' : 'block';
  }
  for (const entry of own<Read<'spendLimits'>>(read?.spendLimits)) {
    if (!isPlainSpendLimit(entry)) foreign.spend_limits.push(spendLimitWire(entry));
    else feature(entry.featureId).maxOverageUnits = entry.enabled && entry.overageLimit !== undefined ? entry.overageLimit : 'unlimited';
  }
  const alerts = new Map<string, AlertSetting[]>();
  for (const entry of own<Read<'usageAlerts'>>(read?.usageAlerts)) {
    if (!isPlainAlert(entry)) {
      foreign.usage_alerts.push(usageAlertWire(entry));
      continue;
    }
    const list = alerts.get(entry.featureId) ?? [];
    const alert: AlertSetting = { type: entry.thresholdType, threshold: entry.threshold, enabled: entry.enabled };
    if (entry.name !== undefined) alert.name = entry.name;
    list.push(alert);
    alerts.set(entry.featureId, list);
  }
  for (const [id, list] of alerts) feature(id).usageAlerts = list.length === 1 && isNoAlerts(list[0]!) ? [] : list;
  const limits = new Map<string, UsageLimitSetting[]>();
  const limitUsage = new Map<string, number>();
  for (const entry of own<Read<'usageLimits'>>(read?.usageLimits)) {
    const limit = plainLimit(entry);
    if (limit === undefined) {
      foreign.usage_limits.push(usageLimitWire(entry));
      continue;
    }
    limits.set(entry.featureId, [...(limits.get(entry.featureId) ?? []), limit]);
    if (entry.usage !== undefined) limitUsage.set(limitUsageKey(entry.featureId, limit), entry.usage);
  }
  for (const [id, list] of limits) feature(id).usageLimits = list.length === 1 && isNoLimits(list[0]!) ? [] : list;
  const topups = 'autoTopups' in (read ?? {}) ? (read as GetCustomerBillingControls).autoTopups : undefined;
  for (const entry of own<Read<'autoTopups'>>(topups)) {
    const topup = plainTopup(entry);
    if (topup === undefined) foreign.auto_topups.push(autoTopupWire(entry));
    else feature(entry.featureId).autoTopup = topup;
  }
  const sorted = Object.fromEntries(Object.keys(features).sort().map((id) => [id, features[id]!]));
  return { controls: { features: sorted }, foreign, limitUsage };
}

/** The keys a set of changes touches: only these are sent, each with its whole array for the object. */
export function keysOf(changes: readonly ControlChange[]): BillingKey[] {
  const keys = new Set<BillingKey>();
  for (const c of changes) if (c.control !== 'overageLimit') keys.add(KEY_OF[c.control]);
  return [...keys].sort();
}

/**
 * The billing_controls to send so that the object holds `after`: for each key, tollgate's entries for
 * every feature, plus the foreign entries of features tollgate does not set that control on.
 */
export function encodeControls(
  after: ObjectControls,
  keys: readonly BillingKey[],
  foreign: ForeignEntries,
  limitUsage: ReadonlyMap<string, number> = new Map(),
): BillingControlsWire {
  const features = Object.keys(after.features).sort();
  const settings = (id: string): FeatureSettings => after.features[id]!;
  const out: BillingControlsWire = {};
  const setBy = (control: FeatureControlName) => new Set(features.filter((id) => settings(id)[control] !== undefined));
  for (const key of keys) {
    if (key === 'overage_allowed') {
      out.overage_allowed = features.flatMap((id): OverageAllowedWire[] => {
        const overage = settings(id).overage;
        return overage === undefined ? [] : [{ feature_id: id, enabled: overage === 'allow' }];
      });
    } else if (key === 'spend_limits') {
      const mine = setBy('maxOverageUnits');
      out.spend_limits = [
        ...features.flatMap((id): SpendLimitWire[] => {
          const max = settings(id).maxOverageUnits;
          if (max === undefined) return [];
          return [max === 'unlimited' ? { feature_id: id, enabled: false } : { feature_id: id, enabled: true, overage_limit: max }];
        }),
        ...foreign.spend_limits.filter((e) => e.feature_id === undefined || !mine.has(e.feature_id)),
      ];
    } else if (key === 'usage_alerts') {
      out.usage_alerts = [
        ...features.flatMap((id): UsageAlertWire[] => {
          const alerts = settings(id).usageAlerts;
          if (alerts === undefined) return [];
          if (alerts.length === 0) return [{ feature_id: id, ...NO_ALERTS }];
          return alerts.map((a) => alertWire(id, a));
        }),
        ...foreign.usage_alerts,
      ];
    } else if (key === 'usage_limits') {
      out.usage_limits = [
        ...features.flatMap((id): UsageLimitWire[] => {
          const limits = settings(id).usageLimits;
          if (limits === undefined) return [];
          if (limits.length === 0) return [{ feature_id: id, ...NO_LIMITS }];
          return limits.map((l) => limitWire(id, l, limitUsage.get(limitUsageKey(id, l))));
        }),
        ...foreign.usage_limits,
      ];
    } else {
      const mine = setBy('autoTopup');
      out.auto_topups = [
        ...features.flatMap((id): AutoTopupWire[] => {
          const topup = settings(id).autoTopup;
          return topup === undefined ? [] : [topupWire(id, topup)];
        }),
        ...foreign.auto_topups.filter((e) => !mine.has(e.feature_id)),
      ];
    }
  }
  return out;
}

function alertWire(featureId: string, a: AlertSetting): UsageAlertWire {
  const wire: UsageAlertWire = { feature_id: featureId, enabled: a.enabled, threshold: a.threshold, threshold_type: a.type, basis: 'balance' };
  if (a.name !== undefined) wire.name = a.name;
  return wire;
}

function limitWire(featureId: string, l: UsageLimitSetting, usage: number | undefined): UsageLimitWire {
  const wire: UsageLimitWire = { feature_id: featureId, enabled: l.enabled, limit: l.limit, interval: l.interval, anchor: l.anchor };
  if (l.filter) wire.filter = { properties: { ...l.filter.properties } };
  // A window's counter survives the rewrite of its limit: rewriting must not hand out a fresh window.
  if (usage !== undefined) wire.usage = usage;
  return wire;
}

function topupWire(featureId: string, t: TopupSetting): AutoTopupWire {
  const wire: AutoTopupWire = { feature_id: featureId, enabled: t.enabled, threshold: t.threshold, quantity: t.quantity };
  if (t.purchaseLimit) wire.purchase_limit = { interval: t.purchaseLimit.interval, interval_count: t.purchaseLimit.intervalCount, limit: t.purchaseLimit.limit };
  return wire;
}

/** A spend limit tollgate expresses: a per-feature cap in units, without the extra billing switches. */
function isPlainSpendLimit(e: GetCustomerSpendLimit): e is GetCustomerSpendLimit & { featureId: string } {
  return e.featureId !== undefined && (e.limitType === undefined || e.limitType === 'absolute') && e.skipOverageBilling !== true;
}

/** An alert tollgate expresses: usage or usage_percentage of the balance, without a property filter. */
function isPlainAlert(e: GetCustomerUsageAlert): e is GetCustomerUsageAlert & { featureId: string; thresholdType: 'usage' | 'usage_percentage' } {
  return (
    e.featureId !== undefined &&
    (e.thresholdType === 'usage' || e.thresholdType === 'usage_percentage') &&
    (e.basis === undefined || e.basis === 'balance') &&
    e.filter === undefined
  );
}

function isNoAlerts(a: AlertSetting): boolean {
  return !a.enabled && a.threshold === NO_ALERTS.threshold && a.type === NO_ALERTS.threshold_type && a.name === NO_ALERTS.name;
}

const LIMIT_INTERVALS = new Set<string>(['day', 'week', 'month', 'year']);
const ANCHORS = new Set<string>(['billing_cycle', 'utc']);

/** The usage limit as tollgate expresses it (an absent anchor is Autumn's default); undefined for an unknown interval or anchor. */
function plainLimit(e: GetCustomerUsageLimit): UsageLimitSetting | undefined {
  if (!LIMIT_INTERVALS.has(e.interval) || (e.anchor !== undefined && !ANCHORS.has(e.anchor))) return undefined;
  const l: UsageLimitSetting = {
    limit: e.limit,
    interval: e.interval as UsageLimitSetting['interval'],
    anchor: (e.anchor ?? 'billing_cycle') as UsageLimitSetting['anchor'],
    enabled: e.enabled,
  };
  if (e.filter) l.filter = { properties: sortedProperties(e.filter.properties) };
  return l;
}

function isNoLimits(l: UsageLimitSetting): boolean {
  const props = l.filter ? Object.entries(l.filter.properties) : [];
  const [marker] = Object.entries(NO_LIMITS.filter!.properties);
  return !l.enabled && props.length === 1 && props[0]![0] === marker![0] && props[0]![1] === marker![1];
}

const INTERVALS = new Set<string>(['hour', 'day', 'week', 'month']);

/** The top-up as tollgate expresses it; undefined for invoice-mode top-ups and unknown intervals. */
function plainTopup(e: GetCustomerAutoTopup): TopupSetting | undefined {
  if (e.invoiceMode === true) return undefined;
  const t: TopupSetting = { threshold: e.threshold, quantity: e.quantity, enabled: e.enabled };
  const limit = e.purchaseLimit;
  if (limit && limit.interval !== null && limit.intervalCount !== null && limit.limit !== null) {
    if (!INTERVALS.has(limit.interval)) return undefined;
    t.purchaseLimit = { interval: limit.interval as EffectivePurchaseLimit['interval'], intervalCount: limit.intervalCount, limit: limit.limit };
  }
  return t;
}

function spendLimitWire(e: GetCustomerSpendLimit): SpendLimitWire {
  return strip({ feature_id: e.featureId, enabled: e.enabled, limit_type: e.limitType, overage_limit: e.overageLimit, skip_overage_billing: e.skipOverageBilling });
}

function usageAlertWire(e: GetCustomerUsageAlert): UsageAlertWire {
  return strip({
    feature_id: e.featureId,
    enabled: e.enabled,
    threshold: e.threshold,
    threshold_type: e.thresholdType,
    basis: e.basis,
    filter: e.filter,
    name: e.name,
  });
}

function usageLimitWire(e: GetCustomerUsageLimit): UsageLimitWire {
  return strip({ feature_id: e.featureId, enabled: e.enabled, limit: e.limit, interval: e.interval, anchor: e.anchor, filter: e.filter, usage: e.usage });
}

function autoTopupWire(e: GetCustomerAutoTopup): AutoTopupWire {
  const limit = e.purchaseLimit;
  const purchase =
    limit && limit.interval !== null && limit.intervalCount !== null && limit.limit !== null
      ? { interval: limit.interval, interval_count: limit.intervalCount, limit: limit.limit }
      : undefined;
  return strip({ feature_id: e.featureId, enabled: e.enabled, threshold: e.threshold, quantity: e.quantity, purchase_limit: purchase, invoice_mode: e.invoiceMode });
}

/** Drops undefined fields, so bodies carry only what is set. */
function strip<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
