// The evaluation of effective controls at a usage: the seed's worked examples, and the precedence laws as properties.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateCustomer, evaluateFeature } from '../../src/impact/evaluate.js';
import { limitLadder } from '../../src/impact/ladder.js';
import type { CustomerTerms, FeatureTerms } from '../../src/impact/terms.js';
import { resolveFeature, resolveOverageLimit, type ControlLayer } from '../../src/resolve/precedence.js';
import { exposure } from '../../src/resolve/resolve.js';
import type { FeatureControls, OverageLimit, PlanItem } from '../../src/types/policy.generated.js';

/** Terms as the resolver makes them: the plan item and one customer layer of controls. */
function terms(item: PlanItem, controls: FeatureControls = {}, type: 'metered' | 'credits' = 'metered'): FeatureTerms {
  const layers: ControlLayer[] = [{ layer: 'customer', controls: { f: controls } }];
  const { sources, ...feature } = resolveFeature('f', type, item, undefined, layers, false).effective;
  return { feature, price: item.price ?? null, topUpPrice: item.topUpPrice ?? null, capFrom: typeof feature.maxOverageUnits !== 'number' ? null : sources.maxOverageUnits.layer === 'default' ? 'max_purchase' : 'spend_limit' };
}

// Seed (Autumn, spend limits): 1,000 API calls included, $1 per 1,000 overage calls, a spend limit of 5,000.
const apiCalls = terms({ included: 1000, reset: 'month', pricing: 'usage_based', price: { amount: 100, per: 1000 } }, { maxOverageUnits: 5000 });
// Seed (Autumn, auto top-ups): 5,000 credits a month; below 500, buy 1,000 more.
const credits = terms(
  { included: 5000, reset: 'month', topUpPrice: { amount: 1000, per: 1000 } },
  { autoTopup: { threshold: 500, quantity: 1000, purchaseLimit: { interval: 'month', limit: 5 } } },
  'credits',
);

describe("the seed's worked examples", () => {
  it('1,000 included and a spend limit of 5,000: usage up to 6,000 total calls, then blocked', () => {
    expect(evaluateFeature(apiCalls, 5999)).toMatchObject({ allowed: true, overageUnits: 4999, overageCharge: 500 });
    expect(evaluateFeature(apiCalls, 6000)).toMatchObject({ allowed: false, blockedBy: 'spend_limit', overageUnits: 5000, overageCharge: 500 });
    expect(evaluateFeature(apiCalls, 1500)).toMatchObject({ allowed: true, overageUnits: 500, overageCharge: 100 });
    expect(limitLadder(apiCalls).map((s) => [s.at, s.kind])).toEqual([
      [1000, 'included_used'],
      [6000, 'blocked'],
    ]);
  });

  it('overage allowed false on a pay-per-use feature blocks at the included balance', () => {
    const blocked = terms({ included: 1000, pricing: 'usage_based', price: { amount: 100, per: 1000 } }, { overage: 'block', maxOverageUnits: 5000 });
    expect(evaluateFeature(blocked, 1000)).toMatchObject({ allowed: false, blockedBy: 'included', overageCharge: 0 });
  });

  it('5,000 credits with a top-up of 1,000 below 500: the first top-up when the balance drops below 500', () => {
    expect(evaluateFeature(credits, 4500).topUps).toEqual({ bought: 0, units: 0, cost: 0, limit: 5 });
    expect(evaluateFeature(credits, 4501).topUps).toEqual({ bought: 1, units: 1000, cost: 1000, limit: 5 });
    expect(evaluateFeature(credits, 5501).topUps).toMatchObject({ bought: 2, cost: 2000 });
    // Five top-ups a month at most: 10,000 credits granted, blocked there (the item has no overage).
    expect(evaluateFeature(credits, 10_000)).toMatchObject({ allowed: false, blockedBy: 'included', topUps: { bought: 5 } });
    const ladder = limitLadder(credits);
    expect(ladder.filter((s) => s.kind === 'top_up').map((s) => s.at)).toEqual([4500, 5500, 6500, 7500, 8500]);
    expect(ladder.at(-1)).toMatchObject({ at: 10_000, kind: 'blocked', by: 'included' });
  });

  it('usage alerts fire when usage reaches their threshold', () => {
    const alerted = terms({ included: 1000, pricing: 'usage_based', price: { amount: 100, per: 1000 } }, {
      usageAlerts: [
        { threshold: 80, type: 'usage_percentage', name: '80% usage warning' },
        { threshold: 900, type: 'usage', name: 'Approaching limit' },
      ],
    });
    expect(evaluateFeature(alerted, 799).alertsFired).toEqual([]);
    expect(evaluateFeature(alerted, 800).alertsFired.map((a) => a.name)).toEqual(['80% usage warning']);
    expect(evaluateFeature(alerted, 900).alertsFired.map((a) => a.name)).toEqual(['80% usage warning', 'Approaching limit']);
  });

  it('a customer-wide overage limit counts every feature and entity together', () => {
    const customer: CustomerTerms = {
      currency: 'USD',
      overageLimit: { maxOverageAmount: 300, onLimitReached: 'block' },
      features: { api_calls: apiCalls },
      entities: { ws: { api_calls: apiCalls } },
    };
    // 2,000 overage calls on the customer ($2) and 1,000 on the entity ($1): $3 reaches the limit.
    const state = evaluateCustomer(customer, (entity) => (entity === undefined ? 3000 : 2000));
    expect(state.overageCharge).toBe(300);
    expect(state.overageLimit).toMatchObject({ reached: true });
    expect(state.features.api_calls).toMatchObject({ allowed: false, blockedBy: 'overage_limit' });
    expect(state.entities.ws!.api_calls).toMatchObject({ allowed: false, blockedBy: 'overage_limit' });
    const under = evaluateCustomer(customer, (entity) => (entity === undefined ? 2000 : 2000));
    expect(under).toMatchObject({ overageCharge: 200, overageLimit: { reached: false } });
    expect(under.features.api_calls!.allowed).toBe(true);
  });

  it('a usage limit whose window holds the billing period blocks at its limit; a shorter one is only listed', () => {
    const monthly = terms({ included: 1000, reset: 'month', pricing: 'usage_based', price: { amount: 1, per: 1 } }, { usageLimits: [{ limit: 3000, interval: 'month' }, { limit: 2000, interval: 'day' }] });
    expect(evaluateFeature(monthly, 2500)).toMatchObject({ allowed: true, usageLimitsReached: [{ blocks: false }] });
    expect(evaluateFeature(monthly, 3000)).toMatchObject({ allowed: false, blockedBy: 'usage_limit' });
  });
});

// Policies as a reviewer could write them: any plan item, any customer controls.
const price = fc.record({ amount: fc.integer({ min: 0, max: 10_000 }), per: fc.integer({ min: 1, max: 5000 }) });
const item = fc.record(
  {
    included: fc.integer({ min: 0, max: 20_000 }),
    reset: fc.constantFrom('day' as const, 'month' as const, 'year' as const),
    pricing: fc.constantFrom('included' as const, 'usage_based' as const, 'prepaid' as const),
    price,
    maxPurchase: fc.integer({ min: 0, max: 20_000 }),
    topUpPrice: price,
  },
  { requiredKeys: ['included', 'reset', 'pricing', 'price'] },
);
const controls = fc.record(
  {
    overage: fc.constantFrom('allow' as const, 'block' as const),
    maxOverageUnits: fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.constant('unlimited' as const)),
    usageAlerts: fc.array(fc.record({ type: fc.constant('usage' as const), threshold: fc.integer({ min: 0, max: 40_000 }) }), { maxLength: 3 }),
    autoTopup: fc.record({ threshold: fc.integer({ min: 0, max: 2000 }), quantity: fc.integer({ min: 1, max: 5000 }), purchaseLimit: fc.record({ interval: fc.constant('month' as const), limit: fc.integer({ min: 1, max: 6 }) }) }),
  },
  { requiredKeys: [] },
);
const usage = fc.integer({ min: 0, max: 80_000 });
const withoutTopups = fc.tuple(item, controls).map(([i, c]) => {
  const { autoTopup: _t, ...rest } = c;
  return terms(i, rest);
});
const anyTerms = fc.tuple(item, controls).map(([i, c]) => terms(i, c.autoTopup && !i.topUpPrice ? { ...c, autoTopup: undefined } : c));

describe('laws of the evaluation', () => {
  it('without top-ups, usage is blocked exactly from hardLimit', () => {
    fc.assert(
      fc.property(withoutTopups, usage, (t, u) => {
        const s = evaluateFeature(t, u);
        expect(s.allowed).toBe(t.feature.hardLimit === null || u < t.feature.hardLimit);
      }),
    );
  });

  it('the overage charge is never above maxOverageCharge, and 0 when overage is not charged', () => {
    fc.assert(
      fc.property(anyTerms, usage, (t, u) => {
        const s = evaluateFeature(t, u);
        if (!t.feature.charged) expect(s.overageCharge).toBe(0);
        if (t.feature.maxOverageCharge !== null && s.overageCharge !== null) expect(s.overageCharge).toBeLessThanOrEqual(t.feature.maxOverageCharge);
      }),
    );
  });

  it('more usage never unblocks, un-fires an alert, refunds a top-up or lowers the charge', () => {
    fc.assert(
      fc.property(anyTerms, usage, usage, (t, a, b) => {
        const [lo, hi] = a <= b ? [evaluateFeature(t, a), evaluateFeature(t, b)] : [evaluateFeature(t, b), evaluateFeature(t, a)];
        if (!lo.allowed) expect(hi.allowed).toBe(false);
        expect(hi.alertsFired.length).toBeGreaterThanOrEqual(lo.alertsFired.length);
        expect(hi.topUps?.bought ?? 0).toBeGreaterThanOrEqual(lo.topUps?.bought ?? 0);
        expect(hi.overageCharge ?? 0).toBeGreaterThanOrEqual(lo.overageCharge ?? 0);
      }),
    );
  });

  it('the ladder agrees with the evaluation: blocked from its block rung, allowed just below it', () => {
    fc.assert(
      fc.property(anyTerms, (t) => {
        const block = limitLadder(t).find((s) => s.kind === 'blocked');
        if (block === undefined) return;
        const at = evaluateFeature(t, block.at);
        expect(at.allowed).toBe(false);
        if (block.at > 0 && t.feature.usageLimits.length === 0) expect(evaluateFeature(t, block.at - 1).allowed).toBe(true);
        if (block.kind === 'blocked' && at.overageCharge !== null) expect(at.overageCharge).toBe(block.overageCharge);
      }),
    );
  });

  it("a customer's overage money is never above its maxOverageExposure", () => {
    const limit = fc.option(fc.record({ maxOverageAmount: fc.integer({ min: 0, max: 100_000 }), onLimitReached: fc.constantFrom('block' as const, 'notify' as const) }), { nil: undefined });
    fc.assert(
      fc.property(fc.array(anyTerms, { minLength: 1, maxLength: 3 }), fc.array(anyTerms, { maxLength: 3 }), limit, fc.array(usage, { minLength: 6, maxLength: 6 }), (own, entity, overageLimit: OverageLimit | undefined, usages) => {
        const resolved = resolveOverageLimit([{ layer: 'customer', controls: {}, ...(overageLimit ? { overageLimit } : {}) }], false).value;
        const features = Object.fromEntries(own.map((t, i) => [`f${i}`, t]));
        const ws = Object.fromEntries(entity.map((t, i) => [`f${i}`, t]));
        const customer: CustomerTerms = { currency: 'USD', overageLimit: resolved, features, entities: { ws } };
        const state = evaluateCustomer(customer, (e, f) => usages[Number(f.slice(1)) + (e === undefined ? 0 : 3)]);
        const bound = exposure([...own, ...entity].map((t) => t.feature.maxOverageCharge), resolved);
        if (bound !== null && state.overageCharge !== null) expect(state.overageCharge).toBeLessThanOrEqual(bound);
      }),
    );
  });
});
