// Live controls (as targets read them) back into policy documents, in the schema's key order and without
// the values a policy leaves out because they are the defaults (`enabled: true`, `anchor: billing_cycle`,
// `intervalCount: 1`), so that the documents resolve to exactly what was read.
import { DEFAULT_ANCHOR } from '../model/usage-limits.js';
import type { AlertSetting, FeatureSettings, ObjectControls, TopupSetting, UsageLimitSetting } from '../plan/objects.js';
import type {
  AutoTopup,
  ControlsByFeature,
  CustomerDocument,
  FeatureControls,
  InlineEntity,
  OverageLimit,
  ProfileDocument,
  UsageAlert,
  UsageLimit,
} from '../types/policy.generated.js';

/** A customer's own controls and its entities', ready to be written as one Customer document. */
export interface CustomerDraft {
  id: string;
  name?: string;
  plan: string;
  extends?: string[];
  controls: ObjectControls;
  entities: Array<{ id: string; name?: string; controls: ObjectControls }>;
}

/** The `controls` block of a policy document for what an object holds; undefined when it holds no feature controls. */
export function controlsBlock(controls: ObjectControls): ControlsByFeature | undefined {
  const features = Object.keys(controls.features).sort();
  if (features.length === 0) return undefined;
  return Object.fromEntries(features.map((id) => [id, featureControls(controls.features[id]!)]));
}

function featureControls(s: FeatureSettings): FeatureControls {
  const out: FeatureControls = {};
  if (s.overage !== undefined) out.overage = s.overage;
  if (s.maxOverageUnits !== undefined) out.maxOverageUnits = s.maxOverageUnits;
  if (s.usageAlerts !== undefined) out.usageAlerts = s.usageAlerts.map(alert);
  if (s.usageLimits !== undefined) out.usageLimits = s.usageLimits.map(usageLimit);
  if (s.autoTopup !== undefined) out.autoTopup = topup(s.autoTopup);
  return out;
}

function alert(a: AlertSetting): UsageAlert {
  const out: UsageAlert = { threshold: a.threshold, type: a.type };
  if (a.name !== undefined) out.name = a.name;
  if (!a.enabled) out.enabled = false;
  return out;
}

function usageLimit(l: UsageLimitSetting): UsageLimit {
  const out: UsageLimit = { limit: l.limit, interval: l.interval };
  if (l.anchor !== DEFAULT_ANCHOR) out.anchor = l.anchor;
  if (l.filter) out.filter = { properties: { ...l.filter.properties } };
  if (!l.enabled) out.enabled = false;
  return out;
}

function topup(t: TopupSetting): AutoTopup {
  const out: AutoTopup = { threshold: t.threshold, quantity: t.quantity };
  if (t.purchaseLimit) {
    const { interval, intervalCount, limit } = t.purchaseLimit;
    out.purchaseLimit = intervalCount === 1 ? { interval, limit } : { interval, intervalCount, limit };
  }
  if (!t.enabled) out.enabled = false;
  return out;
}

/** The `overageLimit` of a policy document for what an object holds; undefined when it holds none. */
export function overageLimitValue(controls: ObjectControls): OverageLimit | undefined {
  const limit = controls.overageLimit;
  if (limit === undefined) return undefined;
  return limit === 'unlimited' ? 'unlimited' : { maxOverageAmount: limit.maxOverageAmount, onLimitReached: limit.onLimitReached };
}

/** The Customer document for a draft: keys in the schema's order, entities inline. */
export function customerDocument(draft: CustomerDraft): CustomerDocument {
  const doc: CustomerDocument = { kind: 'Customer', id: draft.id, ...(draft.name !== undefined ? { name: draft.name } : {}), plan: draft.plan };
  if (draft.extends && draft.extends.length > 0) doc.extends = [...draft.extends];
  const controls = controlsBlock(draft.controls);
  if (controls) doc.controls = controls;
  const limit = overageLimitValue(draft.controls);
  if (limit !== undefined) doc.overageLimit = limit;
  const entities = [...draft.entities].sort((a, b) => (a.id < b.id ? -1 : 1));
  if (entities.length > 0) {
    doc.entities = Object.fromEntries(
      entities.map((e): [string, InlineEntity] => {
        const block: InlineEntity = {};
        if (e.name !== undefined) block.name = e.name;
        const c = controlsBlock(e.controls);
        if (c) block.controls = c;
        return [e.id, block];
      }),
    );
  }
  return doc;
}

/** A Profile document holding controls several customers share. */
export function profileDocument(id: string, controls: ObjectControls, description: string): ProfileDocument {
  const doc: ProfileDocument = { kind: 'Profile', id, description };
  const block = controlsBlock(controls);
  if (block) doc.controls = block;
  const limit = overageLimitValue(controls);
  if (limit !== undefined) doc.overageLimit = limit;
  return doc;
}
