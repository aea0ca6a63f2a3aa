import type { Location } from '../diagnostics/diagnostic.js';
import type { AlertSetting, EffectiveOverageLimit, TopupSetting, UsageLimitSetting } from '../resolve/effective.js';

/** The billing-system objects that hold controls: a plan, a customer, or one entity of a customer. */
export type ObjectRef =
  | { kind: 'plan'; id: string }
  | { kind: 'customer'; id: string }
  | { kind: 'entity'; customer: string; id: string };

/** A stable string key: "plan:pro", "customer:cust_123", "entity:cust_123/workspace_a". */
export function objectKey(ref: ObjectRef): string {
  return ref.kind === 'entity' ? `entity:${ref.customer}/${ref.id}` : `${ref.kind}:${ref.id}`;
}

/** The inverse of objectKey; throws on a string that is not an object key. */
export function parseObjectKey(key: string): ObjectRef {
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon);
  const rest = key.slice(colon + 1);
  if (colon > 0 && rest !== '') {
    if (kind === 'entity') {
      const slash = rest.indexOf('/');
      if (slash > 0 && slash < rest.length - 1) return { kind, customer: rest.slice(0, slash), id: rest.slice(slash + 1) };
    } else if (kind === 'plan' || kind === 'customer') return { kind, id: rest };
  }
  throw new Error(`not an object key: ${key}`);
}

/** The customer an object belongs to (a customer itself, or an entity's customer); undefined for a plan. */
export function customerOf(ref: ObjectRef): string | undefined {
  return ref.kind === 'entity' ? ref.customer : ref.kind === 'customer' ? ref.id : undefined;
}

/** A human name: "customer cust_123", "entity cust_123/workspace_a", "plan pro". */
export function describeRef(ref: ObjectRef): string {
  return ref.kind === 'entity' ? `entity ${ref.customer}/${ref.id}` : `${ref.kind} ${ref.id}`;
}

export type { AlertSetting, TopupSetting, UsageLimitSetting };

/** The controls one object sets itself; an absent key is not set there (the billing system inherits). */
export interface FeatureSettings {
  overage?: 'allow' | 'block';
  maxOverageUnits?: number | 'unlimited';
  usageAlerts?: AlertSetting[];
  usageLimits?: UsageLimitSetting[];
  autoTopup?: TopupSetting;
}

export type FeatureControlName = keyof FeatureSettings;
export const FEATURE_CONTROLS: readonly FeatureControlName[] = ['overage', 'maxOverageUnits', 'usageAlerts', 'usageLimits', 'autoTopup'];

/** What one object holds: per-feature settings and, for customers and plans, the customer-wide overage limit. */
export interface ObjectControls {
  features: Record<string, FeatureSettings>;
  overageLimit?: EffectiveOverageLimit | 'unlimited';
}

/** What tollgate wants an object to hold, with where in the policies each setting was written. */
export interface DesiredObject {
  ref: ObjectRef;
  controls: ObjectControls;
  /** Keyed by control path: "api_calls.overage", "overageLimit". */
  locations: Record<string, Location>;
  /** Which policy layer set each control path: "customer", "entity", "plan" or "profile <id>". */
  setBy: Record<string, string>;
  /** For customers and entities: the plan the policy puts them on. */
  plan?: string;
  /** Currency of the plan, for showing money. */
  currency?: string;
  /** The target's record that tollgate manages this object (Autumn: a customer's metadata marker), when the target keeps one. */
  marker?: string;
}

/** "api_calls.maxOverageUnits" or "overageLimit". */
export function controlPath(feature: string | undefined, control: FeatureControlName | 'overageLimit'): string {
  return feature === undefined ? control : `${feature}.${control}`;
}

/** True when an object sets nothing. */
export function isEmptyControls(c: ObjectControls | null | undefined): boolean {
  return !c || (Object.keys(c.features).length === 0 && c.overageLimit === undefined);
}

/** An object as read from a billing system: the controls it holds itself, and the plan it is on when known. */
export interface LiveObject {
  controls: ObjectControls;
  plan?: string;
  /** The target's management record on this object as read; compared with the desired one like a control. */
  marker?: string;
  /** Entries the object holds that tollgate does not model: never diffed, kept on every write, listed by plan. */
  unmanaged?: UnmanagedEntry[];
}

/** One entry of a billing system's own that tollgate does not model, in the system's own words. */
export interface UnmanagedEntry {
  /** Where the system keeps it, e.g. Autumn's `usage_alerts`. */
  key: string;
  feature?: string;
  /** The entry as the system holds it (wire form). */
  entry: Record<string, unknown>;
  /** The control tollgate cannot set on the same feature without replacing this entry (the system keeps one per feature). */
  occupies?: FeatureControlName;
}
