// ObjectControls → billing_controls → what Autumn stores and reads back → ObjectControls, checked with
// autumn-js's own schemas on both sides and the emulator's copy of Autumn's rules in between.
import { GetCustomerBillingControls$inboundSchema, GetEntityBillingControls$inboundSchema, UpdateCustomerBillingControlsRequestBody$outboundSchema } from 'autumn-js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { controlRuleViolations } from '../../../src/emulate/autumn/control-rules.js';
import { mergeControls, renderControls } from '../../../src/emulate/autumn/controls.js';
import { parseWithSdkSchema } from '../../../src/emulate/autumn/sdk-parse.js';
import type { BillingControls } from '../../../src/emulate/autumn/wire.js';
import type { FeatureSettings, ObjectControls } from '../../../src/plan/objects.js';
import { decodeControls, encodeControls, NO_ALERTS, type BillingKey } from '../../../src/targets/autumn/wire.js';

const ALL_KEYS: BillingKey[] = ['auto_topups', 'overage_allowed', 'spend_limits', 'usage_alerts', 'usage_limits'];
const CONTROL_KEYS = ['auto_topups', 'spend_limits', 'usage_limits', 'usage_alerts', 'overage_allowed'] as const;
const own = (s: string | undefined) => s === undefined || s === 'customer';

const alert = fc.oneof(
  fc.record({ type: fc.constant('usage_percentage' as const), threshold: fc.integer({ min: 0, max: 100 }), enabled: fc.boolean(), name: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }) }),
  fc.record({ type: fc.constant('usage' as const), threshold: fc.nat(), enabled: fc.boolean(), name: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }) }),
).map((a) => (a.name === undefined ? { type: a.type, threshold: a.threshold, enabled: a.enabled } : a));

const topup = fc
  .record({
    threshold: fc.nat(),
    quantity: fc.integer({ min: 1, max: 1e6 }),
    enabled: fc.boolean(),
    purchaseLimit: fc.option(fc.record({ interval: fc.constantFrom('hour' as const, 'day' as const, 'week' as const, 'month' as const), intervalCount: fc.integer({ min: 1, max: 12 }), limit: fc.integer({ min: 1, max: 100 }) }), { nil: undefined }),
  })
  .map((t) => (t.purchaseLimit === undefined ? { threshold: t.threshold, quantity: t.quantity, enabled: t.enabled } : t));

// As the policy side stores a limit: defaults explicit, filter keys sorted.
const usageLimit = fc
  .record({
    limit: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    interval: fc.constantFrom('day' as const, 'week' as const, 'month' as const, 'year' as const),
    anchor: fc.constantFrom('billing_cycle' as const, 'utc' as const),
    enabled: fc.boolean(),
    filter: fc.option(fc.dictionary(fc.stringMatching(/^[a-z_]{1,8}$/), fc.string({ maxLength: 8 }), { minKeys: 1, maxKeys: 3 }), { nil: undefined }),
  })
  .map(({ filter, ...l }) => (filter === undefined ? l : { ...l, filter: { properties: Object.fromEntries(Object.entries(filter).sort(([a], [b]) => (a < b ? -1 : 1))) } }));

const settings = fc
  .record(
    {
      overage: fc.constantFrom('allow' as const, 'block' as const),
      maxOverageUnits: fc.oneof(fc.nat(), fc.constant('unlimited' as const)),
      usageAlerts: fc.array(alert, { maxLength: 3 }),
      usageLimits: fc.array(usageLimit, { maxLength: 3 }),
      autoTopup: topup,
    },
    { requiredKeys: [] },
  )
  .filter((s) => Object.keys(s).length > 0)
  // A policy that spells out the very alert [] is written as would read back as []; nobody writes that.
  .filter((s) => !(s.usageAlerts?.length === 1 && 'name' in s.usageAlerts[0]! && s.usageAlerts[0].name === NO_ALERTS.name))
  .filter((s) => !(s.usageLimits?.length === 1 && 'filter' in s.usageLimits[0]! && s.usageLimits[0].filter.properties.tollgate !== undefined)) as fc.Arbitrary<FeatureSettings>;

const controls: fc.Arbitrary<ObjectControls> = fc
  .dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,11}$/), settings, { maxKeys: 4 })
  .map((features) => ({ features: Object.fromEntries(Object.keys(features).sort().map((k) => [k, features[k]!])) }));

/** What Autumn does with an update: validate with the SDK schema and its rules, store, and render a 2.3.0 read. */
function throughAutumn(current: BillingControls, body: unknown, plan: BillingControls = {}): { stored: BillingControls; read: unknown } {
  const parsed = parseWithSdkSchema(UpdateCustomerBillingControlsRequestBody$outboundSchema, body);
  if (!parsed.ok) throw new Error(`the SDK schema refuses the body: ${parsed.message}`);
  expect(controlRuleViolations(parsed.value)).toEqual([]);
  const stored = mergeControls(current, parsed.value);
  return { stored, read: renderControls(stored, plan, { keys: CONTROL_KEYS, showSources: true, ownSource: 'customer' }) };
}

function readBack(read: unknown): ObjectControls {
  const parsed = GetCustomerBillingControls$inboundSchema.parse(read);
  return decodeControls(parsed, own).controls;
}

describe('autumn wire mapping', () => {
  it('round-trips any ObjectControls exactly, inheriting plan entries aside', () => {
    const planControls: BillingControls = {
      usage_alerts: [{ feature_id: 'api_calls', enabled: true, threshold: 80, threshold_type: 'usage_percentage', basis: 'balance' }],
      overage_allowed: [{ feature_id: 'zz_plan_only', enabled: true }],
    };
    fc.assert(
      fc.property(controls, (want) => {
        const body = encodeControls(want, ALL_KEYS, { spend_limits: [], usage_alerts: [], usage_limits: [], auto_topups: [] });
        const { read } = throughAutumn({}, body, planControls);
        expect(readBack(read)).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('moving between any two states with only the changed keys lands exactly on the second', () => {
    fc.assert(
      fc.property(controls, controls, (first, second) => {
        const none = { spend_limits: [], usage_alerts: [], usage_limits: [], auto_topups: [] };
        const start = throughAutumn({}, encodeControls(first, ALL_KEYS, none));
        // Only the keys whose content differs are sent (what a plan's changes lead to).
        const keys = ALL_KEYS.filter((k) => JSON.stringify(encodeControls(first, [k], none)[k]) !== JSON.stringify(encodeControls(second, [k], none)[k]));
        const decoded = decodeControls(GetCustomerBillingControls$inboundSchema.parse(start.read), own);
        const end = throughAutumn(start.stored, encodeControls(second, keys, decoded.foreign));
        expect(readBack(end.read)).toEqual(second);
      }),
      { numRuns: 300 },
    );
  });

  it('writes unlimited as a disabled spend limit and [] as one disabled alert', () => {
    const body = encodeControls({ features: { api_calls: { maxOverageUnits: 'unlimited', usageAlerts: [] } } }, ['spend_limits', 'usage_alerts'], { spend_limits: [], usage_alerts: [], usage_limits: [], auto_topups: [] });
    expect(body).toEqual({
      spend_limits: [{ feature_id: 'api_calls', enabled: false }],
      usage_alerts: [{ feature_id: 'api_calls', enabled: false, threshold: 0, threshold_type: 'usage', basis: 'balance', name: 'tollgate: no alerts' }],
    });
  });

  it('keeps own entries it cannot express when it rewrites their key, and ignores inherited ones', () => {
    const current: BillingControls = {
      spend_limits: [
        { feature_id: 'api_calls', enabled: true, overage_limit: 10 },
        { feature_id: 'storage', enabled: true, overage_limit: 50, limit_type: 'usage_percentage' },
      ],
      usage_alerts: [{ feature_id: 'api_calls', enabled: true, threshold: 10, threshold_type: 'remaining', basis: 'balance' }],
    };
    const read = renderControls(current, { spend_limits: [{ feature_id: 'seats', enabled: true, overage_limit: 3 }] }, { keys: CONTROL_KEYS, showSources: true, ownSource: 'customer' });
    const decoded = decodeControls(GetCustomerBillingControls$inboundSchema.parse(read), own);
    expect(decoded.controls).toEqual({ features: { api_calls: { maxOverageUnits: 10 } } });
    const body = encodeControls({ features: { api_calls: { maxOverageUnits: 20, usageAlerts: [] } } }, ['spend_limits', 'usage_alerts'], decoded.foreign);
    expect(body.spend_limits).toEqual([
      { feature_id: 'api_calls', enabled: true, overage_limit: 20 },
      { feature_id: 'storage', enabled: true, overage_limit: 50, limit_type: 'usage_percentage' },
    ]);
    expect(body.usage_alerts).toContainEqual({ feature_id: 'api_calls', enabled: true, threshold: 10, threshold_type: 'remaining', basis: 'balance' });
    // A feature tollgate now sets replaces the foreign entry of the same feature (one entry per feature).
    const replaced = encodeControls({ features: { storage: { maxOverageUnits: 5 } } }, ['spend_limits'], decoded.foreign);
    expect(replaced.spend_limits).toEqual([{ feature_id: 'storage', enabled: true, overage_limit: 5 }]);
  });

  it('reads an entity\'s own entries (no source) and skips those inherited from its plan', () => {
    const read = { overage_allowed: [{ feature_id: 'api_calls', enabled: true }, { feature_id: 'seats', enabled: false, source: 'plan' }] };
    const decoded = decodeControls(GetEntityBillingControls$inboundSchema.parse(read), (s) => s === undefined || s === 'entity');
    expect(decoded.controls).toEqual({ features: { api_calls: { overage: 'allow' } } });
  });
});
