// An existing Autumn account to adopt: a catalog (features, three plans, one archived with an item the policy
// language cannot say) and customers with hand-set controls, some with entities, alerts, top-ups, usage limits
// and entries tollgate does not model. Deterministic: customer i's controls follow from i.
import type { AutumnSeed, BillingControls } from '../../src/emulate/autumn/emulator.js';
import type { PlanItem } from '../../src/types/policy.generated.js';
import { autumnItems } from '../targets/autumn/helpers.js';

const PRO: Record<string, PlanItem> = {
  api_calls: { included: 1000, reset: 'month', pricing: 'usage_based', price: { amount: 100, per: 1000 } },
  ai_tokens: { included: 1_000_000, reset: 'month', pricing: 'usage_based', price: { amount: 50, per: 100_000 }, maxPurchase: 20_000_000 },
  seats: { included: 5, reset: 'never', pricing: 'usage_based', price: { amount: 1200, per: 1 }, maxPurchase: 45 },
  credits: { included: 5000, reset: 'month', topUpPrice: { amount: 1000, per: 1000 } },
  sso: {},
};
const FREE: Record<string, PlanItem> = {
  api_calls: { included: 100, reset: 'month' },
  seats: { included: 2, reset: 'never' },
};

const items = (plan: Record<string, PlanItem>) => Object.entries(plan).flatMap(([feature, item]) => autumnItems(feature, item, 'USD'));

/** Alerts, spend limits and the like every enterprise-contract customer holds alike (they become one profile). */
const ENTERPRISE: BillingControls = {
  spend_limits: [
    { feature_id: 'ai_tokens', enabled: true, overage_limit: 100_000_000 },
    { feature_id: 'seats', enabled: false },
  ],
  usage_alerts: [
    { feature_id: 'api_calls', enabled: true, threshold: 75, threshold_type: 'usage_percentage', basis: 'balance', name: 'CSM heads-up' },
    { feature_id: 'api_calls', enabled: true, threshold: 100, threshold_type: 'usage_percentage', basis: 'balance', name: 'Included calls used up' },
  ],
};
const STRICT: BillingControls = { overage_allowed: [{ feature_id: 'api_calls', enabled: false }, { feature_id: 'ai_tokens', enabled: false }] };

function customerControls(i: number): BillingControls {
  switch (i % 10) {
    case 0:
      return {
        overage_allowed: [{ feature_id: 'api_calls', enabled: true }],
        spend_limits: [{ feature_id: 'api_calls', enabled: true, overage_limit: 5000 + i }],
        usage_alerts: [
          { feature_id: 'api_calls', enabled: true, threshold: 90, threshold_type: 'usage_percentage', basis: 'balance', name: '90% of included calls' },
          { feature_id: 'api_calls', enabled: true, threshold: 900, threshold_type: 'usage', basis: 'balance' },
        ],
        auto_topups: [{ feature_id: 'credits', enabled: true, threshold: 500, quantity: 1000, purchase_limit: { interval: 'month', interval_count: 1, limit: 5 } }],
      };
    case 1:
    case 2:
      return ENTERPRISE;
    case 3:
      return STRICT;
    case 4:
      // A remaining alert and a percentage spend limit: Autumn entries tollgate does not model.
      return {
        spend_limits: [
          { feature_id: 'api_calls', enabled: true, overage_limit: i * 10 },
          { feature_id: 'ai_tokens', enabled: true, limit_type: 'usage_percentage', overage_limit: 50 },
        ],
        usage_alerts: [{ feature_id: 'credits', enabled: true, threshold: 500, threshold_type: 'remaining', basis: 'balance', name: 'Low credits' }],
      };
    case 5:
      return {
        usage_limits: [
          { feature_id: 'api_calls', enabled: true, limit: 10_000, interval: 'day', anchor: 'utc', filter: { properties: { environment: 'production' } } },
          { feature_id: 'api_calls', enabled: true, limit: 200_000, interval: 'month' },
        ],
      };
    case 7:
      return { overage_allowed: [{ feature_id: 'api_calls', enabled: true }], spend_limits: [{ feature_id: 'api_calls', enabled: true, overage_limit: 50 }] };
    case 9:
      return {
        usage_alerts: [{ feature_id: 'ai_tokens', enabled: false, threshold: 50, threshold_type: 'usage_percentage', basis: 'balance' }],
        auto_topups: [{ feature_id: 'credits', enabled: false, threshold: 100, quantity: 2000 }],
      };
    default:
      return {};
  }
}

/** `customers` customers (c0000, c0001, …) on pro, free (every seventh) and the archived legacy plan (every hundredth). */
export function accountToAdopt(customers: number): AutumnSeed {
  const seed: Required<AutumnSeed> = {
    features: [
      { id: 'api_calls', name: 'API calls', type: 'metered', consumable: true },
      { id: 'ai_tokens', name: 'AI tokens', type: 'metered', consumable: true },
      { id: 'seats', name: 'Seats', type: 'metered', consumable: false },
      { id: 'credits', name: 'Credits', type: 'credit_system', consumable: true },
      { id: 'sso', name: 'SAML single sign-on', type: 'boolean' },
    ],
    plans: [
      { id: 'pro', name: 'Pro', items: items(PRO), billing_controls: { usage_alerts: [{ feature_id: 'api_calls', enabled: true, threshold: 80, threshold_type: 'usage_percentage', basis: 'balance', name: '80% of included calls' }] } },
      { id: 'free', name: 'Free', items: items(FREE) },
      // Unlimited calls: the policy language has no word for it, so the plan and its customers are listed and skipped.
      { id: 'legacy', name: 'Legacy', archived: true, items: [{ feature_id: 'api_calls', included: 0, unlimited: true, reset: null, price: null }] },
    ],
    customers: [],
    entities: [],
  };
  for (let i = 0; i < customers; i++) {
    const id = `c${String(i).padStart(4, '0')}`;
    const plan = i % 100 === 99 ? 'legacy' : i % 10 === 7 ? 'free' : 'pro';
    seed.customers.push({ id, name: `Customer ${i}`, plan_id: plan, billing_controls: plan === 'legacy' ? { overage_allowed: [{ feature_id: 'api_calls', enabled: false }] } : customerControls(i) });
    if (i % 10 === 0) {
      seed.entities.push(
        { customer_id: id, id: 'ws_a', name: 'Workspace A', billing_controls: { spend_limits: [{ feature_id: 'api_calls', enabled: true, overage_limit: 2000 }], usage_alerts: [{ feature_id: 'api_calls', enabled: true, threshold: 90, threshold_type: 'usage_percentage', basis: 'balance' }] } },
        { customer_id: id, id: 'ws_b', billing_controls: { usage_limits: [{ feature_id: 'api_calls', enabled: true, limit: 20_000, interval: 'week' }] } },
      );
    }
    if (i % 10 === 5) {
      seed.entities.push({ customer_id: id, id: 'sandbox', billing_controls: { usage_alerts: [{ feature_id: 'api_calls', enabled: false, threshold: 0, threshold_type: 'usage', basis: 'balance', name: 'tollgate: no alerts' }] } });
    }
    if (i % 10 === 6) {
      seed.entities.push({ customer_id: id, id: 'lab', name: 'Lab', billing_controls: { overage_allowed: [{ feature_id: 'api_calls', enabled: false }] } });
    }
  }
  return seed;
}
