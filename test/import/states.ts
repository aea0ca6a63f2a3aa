// fast-check generators of billing-system states for the import law: what the emulators accept (the SDK's
// schemas and the API's rules), including what tollgate does not model or cannot write as policies.
import fc from 'fast-check';
import type { AutumnSeed, BillingControls } from '../../src/emulate/autumn/emulator.js';
import type { OwostackSeed } from '../../src/emulate/owostack/emulator.js';
import { autumnItems } from '../targets/autumn/helpers.js';
import type { PlanItem } from '../../src/types/policy.generated.js';
import { PRO_PLAN_CONTROLS } from './fixtures.js';

/** Plan pro's items as plans/pro.yaml says them. */
const PRO_ITEMS: Record<string, PlanItem> = {
  api_calls: { included: 1000, reset: 'month', pricing: 'usage_based', price: { amount: 100, per: 1000 } },
  credits: { included: 5000, reset: 'month', topUpPrice: { amount: 1000, per: 1000 } },
  seats: { included: 5, reset: 'never', pricing: 'usage_based', price: { amount: 1200, per: 1 }, maxPurchase: 45 },
  sso: {},
};

/** Features on pro, one off the plan (gpu) and a boolean one (sso). */
const FEATURES = ['api_calls', 'credits', 'seats', 'gpu', 'sso'] as const;
const feature = fc.constantFrom(...FEATURES, 'api_calls', 'credits', 'seats');
const name = fc.option(fc.constantFrom('80%', 'Approaching limit', 'ops: page', 'x'.repeat(201)), { nil: undefined });

const overageAllowed = fc.uniqueArray(fc.record({ feature_id: feature, enabled: fc.boolean() }), { selector: (e) => e.feature_id, maxLength: 2 });

const spendLimits = fc.uniqueArray(
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ feature_id: feature, enabled: fc.boolean(), overage_limit: fc.option(fc.nat(100_000), { nil: undefined }) }) },
    // Not modeled: a percentage limit, or one that skips overage billing.
    { weight: 1, arbitrary: fc.record({ feature_id: feature, enabled: fc.constant(true), limit_type: fc.constant('usage_percentage'), overage_limit: fc.nat(100) }) },
    // Not a policy value: a fractional cap.
    { weight: 1, arbitrary: fc.record({ feature_id: feature, enabled: fc.constant(true), overage_limit: fc.constant(2.5) }) },
  ),
  { selector: (e) => e.feature_id, maxLength: 2 },
);

const usageAlert = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      feature_id: feature,
      enabled: fc.boolean(),
      threshold_type: fc.constantFrom('usage', 'usage_percentage'),
      threshold: fc.nat(100),
      basis: fc.constant('balance'),
      name,
    }, { requiredKeys: ['feature_id', 'enabled', 'threshold_type', 'threshold', 'basis'] }),
  },
  // Not modeled: remaining alerts and alerts on another basis.
  { weight: 1, arbitrary: fc.record({ feature_id: feature, enabled: fc.boolean(), threshold_type: fc.constantFrom('remaining', 'remaining_percentage'), threshold: fc.nat(100), basis: fc.constant('balance') }) },
  { weight: 1, arbitrary: fc.record({ feature_id: feature, enabled: fc.boolean(), threshold_type: fc.constant('usage'), threshold: fc.nat(5000), basis: fc.constantFrom('included', 'recurring') }) },
);

const usageLimit = fc.record(
  {
    feature_id: feature,
    enabled: fc.boolean(),
    limit: fc.integer({ min: 1, max: 100_000 }),
    interval: fc.constantFrom('day', 'week', 'month', 'year'),
    anchor: fc.constantFrom('billing_cycle', 'utc'),
    filter: fc.oneof(fc.constant({ properties: { environment: 'production' } }), fc.constant({ properties: { tier: 3 } })),
  },
  { requiredKeys: ['feature_id', 'enabled', 'limit', 'interval'] },
);

const autoTopups = fc.uniqueArray(
  fc.record(
    {
      feature_id: feature,
      enabled: fc.boolean(),
      threshold: fc.nat(10_000),
      quantity: fc.integer({ min: 1, max: 5000 }),
      purchase_limit: fc.record({ interval: fc.constantFrom('hour', 'day', 'week', 'month'), interval_count: fc.integer({ min: 1, max: 3 }), limit: fc.integer({ min: 1, max: 5 }) }),
      invoice_mode: fc.constant(true),
    },
    { requiredKeys: ['feature_id', 'enabled', 'threshold', 'quantity'] },
  ),
  { selector: (e) => e.feature_id, maxLength: 2 },
);

function controls(entity: boolean): fc.Arbitrary<BillingControls> {
  const keys = {
    overage_allowed: overageAllowed,
    spend_limits: spendLimits,
    usage_alerts: fc.array(usageAlert, { maxLength: 3 }),
    usage_limits: fc.array(usageLimit, { maxLength: 2 }),
    ...(entity ? {} : { auto_topups: autoTopups }),
  };
  return fc.record(keys, { requiredKeys: [] }) as fc.Arbitrary<BillingControls>;
}

const id = fc.oneof({ weight: 9, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/) }, { weight: 1, arbitrary: fc.constant('has space') });

/** autumnState with a catalog (features.list, plan items) and any plan-level controls, for import --catalog into an empty folder. */
export function autumnStateWithCatalog(): fc.Arbitrary<AutumnSeed> {
  return fc.tuple(autumnState(), controls(false), fc.boolean()).map(([seed, proControls, legacyUnlimited]) => ({
    ...seed,
    features: [
      { id: 'api_calls', type: 'metered' },
      { id: 'credits', type: 'credit_system' },
      { id: 'seats', type: 'metered' },
      { id: 'sso', type: 'boolean' },
    ],
    plans: [
      { id: 'pro', name: 'Pro', billing_controls: proControls, items: Object.entries(PRO_ITEMS).flatMap(([f, item]) => autumnItems(f, item, 'USD')) },
      legacyUnlimited
        ? { id: 'legacy', items: [{ feature_id: 'api_calls', included: 0, unlimited: true, reset: null, price: null }] }
        : { id: 'legacy', items: autumnItems('api_calls', { included: 100, reset: 'month' }, 'USD') },
    ],
  }));
}

/** Plans pro (controls as plans/pro.yaml says) and legacy (not in the policies); customers on either or none; entities. */
export function autumnState(): fc.Arbitrary<AutumnSeed> {
  const entity = fc.record({ id, name: fc.option(fc.constant('Workspace'), { nil: undefined }), billing_controls: controls(true) });
  const customer = fc.record({
    id,
    name: fc.option(fc.constant('Acme Corp'), { nil: undefined }),
    plan_id: fc.constantFrom('pro', 'pro', 'pro', 'legacy', null),
    billing_controls: controls(false),
    entities: fc.uniqueArray(entity, { selector: (e) => e.id, maxLength: 2 }),
  });
  // Customers that share controls exercise --profiles.
  const shared = fc.array(fc.constant({ id: '', plan_id: 'pro' as const, billing_controls: { spend_limits: [{ feature_id: 'api_calls', enabled: true, overage_limit: 500 }] } as BillingControls, entities: [] }), { maxLength: 4 });
  return fc.tuple(fc.uniqueArray(customer, { selector: (c) => c.id, maxLength: 6 }), shared).map(([customers, twins]) => ({
    plans: [
      { id: 'pro', billing_controls: PRO_PLAN_CONTROLS },
      { id: 'legacy', billing_controls: {} },
    ],
    customers: [...customers, ...twins.map((t, i) => ({ ...t, id: `twin_${i}` }))].map(({ entities: _e, ...c }) => c),
    entities: customers.flatMap((c) => c.entities.map((e) => ({ ...e, customer_id: c.id }))),
  }));
}

const settings = fc.record(
  {
    overage: fc.constantFrom('allow', 'block'),
    maxOverageUnits: fc.oneof(fc.nat(10_000), fc.constant('unlimited')),
    usageAlerts: fc.uniqueArray(fc.record({ type: fc.constantFrom('usage', 'usage_percentage'), threshold: fc.nat(100), enabled: fc.boolean() }), { selector: (a) => `${a.type}|${a.threshold}`, maxLength: 2 }),
    usageLimits: fc.uniqueArray(fc.record({ limit: fc.integer({ min: 1, max: 1000 }), interval: fc.constantFrom('day', 'week'), anchor: fc.constantFrom('billing_cycle', 'utc'), enabled: fc.boolean() }), { selector: (l) => l.interval, maxLength: 2 }),
    autoTopup: fc.record({ threshold: fc.nat(100), quantity: fc.integer({ min: 1, max: 100 }), enabled: fc.boolean() }),
  },
  { requiredKeys: [] },
);

/** A local state file: customers and entities with any controls tollgate can hold, on pro. */
export function localState(): fc.Arbitrary<{ formatVersion: 1; objects: Record<string, unknown> }> {
  // Apply never wrote a top-up where the plan has no topUpPrice (only credits has one), nor one on an entity.
  const withoutTopup = settings.map(({ autoTopup: _t, ...s }) => s);
  const features = (entity: boolean) =>
    fc.tuple(fc.dictionary(fc.constantFrom('api_calls', 'seats'), withoutTopup, { maxKeys: 2 }), fc.option(entity ? withoutTopup : settings, { nil: undefined })).map(([others, credits]) =>
      credits === undefined ? others : { ...others, credits },
    );
  const object = (entity: boolean) =>
    fc.record({ features: features(entity), overageLimit: fc.option(fc.record({ maxOverageAmount: fc.nat(100_000), onLimitReached: fc.constantFrom('block', 'notify') }), { nil: undefined }) }, { requiredKeys: ['features'] });
  return fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z]{1,4}$/), fc.boolean(), object(false), object(true)), { selector: (t) => t[0], maxLength: 5 }).map((customers) => {
    // plans/pro.yaml's plan-level controls, as an apply of them left them.
    const objects: Record<string, unknown> = {
      'plan:pro': { controls: { features: { api_calls: { usageAlerts: [{ type: 'usage_percentage', threshold: 80, enabled: true, name: '80% warning' }] } } } },
    };
    for (const [cid, withEntity, c, e] of customers) {
      // credits top-ups need the plan's topUpPrice (pro has one); controls on credits otherwise are allowed too.
      objects[`customer:${cid}`] = { plan: 'pro', controls: c };
      if (withEntity) objects[`entity:${cid}/w`] = { plan: 'pro', controls: { features: e.features } };
    }
    return { formatVersion: 1 as const, objects };
  });
}

/** Owostack customers with per-feature overrides (any of the plan's features, or one off it) and overage limits. */
export function owostackCustomers(): fc.Arbitrary<OwostackSeed['customers']> {
  const config = fc
    .record({ feature: fc.constantFrom('api_calls', 'seats', 'credits', 'gpu'), overage: fc.constantFrom('block', 'charge', null), maxOverageUnits: fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: null }) })
    .filter((c) => c.overage !== null || c.maxOverageUnits !== null);
  const customer = fc.record({
    id: fc.stringMatching(/^[a-z]{1,5}$/),
    name: fc.option(fc.constant('Globex'), { nil: null }),
    billing: fc.record({
      overageLimit: fc.option(fc.record({ maxOverageAmount: fc.integer({ min: 1, max: 100_000 }), onLimitReached: fc.constantFrom('block', 'notify') }), { nil: null }),
      featureConfigs: fc.uniqueArray(config, { selector: (c) => c.feature, maxLength: 3 }),
    }),
  });
  return fc.uniqueArray(customer, { selector: (c) => c.id, maxLength: 5 }).map((cs) => cs.map((c) => ({ ...c, email: `${c.id}@example.com` })));
}
