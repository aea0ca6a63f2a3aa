// What the import tests share: the policies that exist before an import (features and plans, no customers),
// and the billing controls an Autumn emulator's state holds per object.
import type { AutumnState, BillingControls } from '../../src/emulate/autumn/emulator.js';

/** The catalog the generated states use: pro has every kind of item; sso is a boolean feature. */
export const POLICY_FILES: Record<string, string> = {
  'features.yaml': [
    'kind: Feature\nid: api_calls\ntype: metered',
    'kind: Feature\nid: credits\ntype: credits',
    'kind: Feature\nid: seats\ntype: metered',
    'kind: Feature\nid: sso\ntype: boolean',
  ].join('\n---\n'),
  'plans/pro.yaml': `kind: Plan
id: pro
currency: USD
features:
  api_calls: { included: 1000, reset: month, pricing: usage_based, price: { amount: 100, per: 1000 } }
  credits: { included: 5000, reset: month, topUpPrice: { amount: 1000, per: 1000 } }
  seats: { included: 5, reset: never, pricing: usage_based, price: { amount: 1200, per: 1 }, maxPurchase: 45 }
  sso: {}
controls:
  api_calls:
    usageAlerts: [{ threshold: 80, type: usage_percentage, name: "80% warning" }]
`,
};

/** POLICY_FILES for a target that holds no plan-level controls (Owostack). */
export const POLICY_FILES_WITHOUT_PLAN_CONTROLS: Record<string, string> = {
  ...POLICY_FILES,
  'plans/pro.yaml': POLICY_FILES['plans/pro.yaml']!.replace(/\ncontrols:[\s\S]*$/, '\n'),
};

/** The plan-level controls plans/pro.yaml says, as Autumn holds them. */
export const PRO_PLAN_CONTROLS: BillingControls = {
  usage_alerts: [{ feature_id: 'api_calls', enabled: true, threshold: 80, threshold_type: 'usage_percentage', basis: 'balance', name: '80% warning' }],
};

type Entry = Record<string, unknown>;

/** An entry of billing_controls tollgate does not model (it keeps them on every write). */
export function isForeign(key: string, entry: Entry): boolean {
  if (key === 'spend_limits') return (entry.limit_type !== undefined && entry.limit_type !== 'absolute') || entry.skip_overage_billing === true;
  if (key === 'usage_alerts') return !['usage', 'usage_percentage'].includes(entry.threshold_type as string) || (entry.basis !== undefined && entry.basis !== 'balance') || entry.filter !== undefined;
  if (key === 'auto_topups') return entry.invoice_mode === true;
  return false;
}

/** Per object key, its billing controls as stored, and the entries among them tollgate does not model. */
export function liveAutumnControls(state: AutumnState): Record<string, { controls: BillingControls; foreign: Entry[] }> {
  const out: Record<string, { controls: BillingControls; foreign: Entry[] }> = {};
  const add = (key: string, controls: BillingControls): void => {
    const foreign = Object.entries(controls).flatMap(([k, entries]) => ((entries ?? []) as Entry[]).filter((e) => isForeign(k, e)).map((e) => ({ key: k, ...e })));
    out[key] = { controls, foreign };
  };
  for (const c of state.customers) add(`customer:${c.id}`, c.billing_controls);
  for (const e of state.entities) add(`entity:${e.customer_id}/${e.id}`, e.billing_controls);
  for (const p of state.plans) add(`plan:${p.id}`, p.billing_controls);
  return out;
}
