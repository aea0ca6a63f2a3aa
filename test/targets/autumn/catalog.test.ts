// Autumn's catalog as tollgate reads it: plans.list and features.list from the emulator over HTTP, each plan
// item in the policy language's terms.
import { ListFeaturesResponse$inboundSchema, ListPlansResponse$inboundSchema } from 'autumn-js';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AutumnEmulator } from '../../../src/emulate/autumn/emulator.js';
import { DEFAULT_RETRY } from '../../../src/targets/backoff.js';
import { catalogItem, readCatalog } from '../../../src/targets/autumn/catalog.js';
import { AutumnClient } from '../../../src/targets/autumn/client.js';
import { systemClock } from '../../../src/util/clock.js';
import { call } from '../../emulate/http-helpers.js';
import { emulator, expectSdkValidBodies, KEY, seedFor, SMALL_POLICIES, workDir } from './helpers.js';

let running: AutumnEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.map((e) => e.close()));
  running = [];
});

async function seeded(): Promise<AutumnEmulator> {
  const emu = await emulator({ rateLimit: 0 });
  running.push(emu);
  const dir = workDir(SMALL_POLICIES);
  try {
    emu.seed(seedFor(path.join(dir.cwd, 'policies')));
  } finally {
    dir.cleanup();
  }
  return emu;
}

const client = (emu: AutumnEmulator) => new AutumnClient({ baseUrl: emu.url, secretKey: KEY, clock: systemClock, random: Math.random, timeoutMs: 5000, retry: DEFAULT_RETRY });

describe('autumn catalog', () => {
  it('reads every plan and feature in two requests, each plan item in policy terms', async () => {
    const emu = await seeded();
    emu.clearRequests();
    const catalog = await readCatalog(client(emu));
    expect(emu.requests().map((r) => r.path).sort()).toEqual(['/v1/features.list', '/v1/plans.list']);
    expectSdkValidBodies(emu.requests());
    expect([...catalog.features.keys()].sort()).toEqual(['api_calls', 'credits', 'seats']);
    const items = catalog.plans.get('pro')!.items;
    const item = (feature: string) => catalogItem(items.filter((i) => i.featureId === feature), 'USD');
    expect(item('api_calls')).toEqual({ included: 1000, reset: 'month', pricing: 'usage_based', price: { amount: 100, per: 1000 } });
    expect(item('credits')).toEqual({ included: 5000, reset: 'month', pricing: 'included', topUpPrice: { amount: 1000, per: 1000 } });
    expect(item('seats')).toEqual({ included: 5, reset: 'never', pricing: 'usage_based', price: { amount: 1200, per: 1 } });
    expect(item('sso')).toBeUndefined();
  });

  it('says in words what the policy language cannot: unlimited, a two-month reset, tiers, a cap, a yen price', async () => {
    const emu = await emulator({ rateLimit: 0 });
    running.push(emu);
    emu.seed({
      plans: [
        {
          id: 'odd',
          archived: true,
          items: [
            { feature_id: 'a', included: 0, unlimited: true, reset: { interval: 'month', interval_count: 2 }, price: null },
            { feature_id: 'b', included: 10, unlimited: false, reset: { interval: 'semi_annual' }, price: { tiers: [{ to: 'inf', amount: 1 }], interval: 'month', billing_units: 1, billing_method: 'usage_based', max_purchase: 50 } },
            { feature_id: 'c', included: 1, unlimited: false, reset: null, price: { amount: 150, interval: 'month', billing_units: 10, billing_method: 'prepaid', max_purchase: null } },
          ],
        },
      ],
    });
    const catalog = await readCatalog(client(emu));
    const items = catalog.plans.get('odd')!.items;
    expect(catalog.plans.get('odd')!.archived).toBe(true);
    expect(catalogItem(items.filter((i) => i.featureId === 'a'), 'USD')).toEqual({ included: 'unlimited', reset: '2 month', pricing: 'included' });
    expect(catalogItem(items.filter((i) => i.featureId === 'b'), 'USD')).toEqual({ included: 10, reset: '1 semi_annual', pricing: 'usage_based', price: 'tiered', maxPurchase: 50 });
    expect(catalogItem(items.filter((i) => i.featureId === 'c'), 'JPY')).toEqual({ included: 1, reset: 'never', pricing: 'prepaid', price: { amount: 150, per: 10 } });
  });

  it('emulator: plans.list and features.list answer what autumn-js reads; archived plans only when asked for', async () => {
    const emu = await seeded();
    emu.seed({ plans: [{ id: 'legacy', archived: true }] });
    const headers = { 'x-api-version': '2.3.0' };
    const plans = await call(emu.url, '/v1/plans.list', {}, { key: KEY, headers });
    expect(plans.status).toBe(200);
    expect(ListPlansResponse$inboundSchema.safeParse(plans.body).success).toBe(true);
    expect((plans.body.list as Array<{ id: string }>).map((p) => p.id)).toEqual(['pro']);
    const all = await call(emu.url, '/v1/plans.list', { include_archived: true }, { key: KEY, headers });
    expect((all.body.list as Array<{ id: string }>).map((p) => p.id)).toEqual(['pro', 'legacy']);
    // autumn-js sends features.list without a body.
    const features = await call(emu.url, '/v1/features.list', undefined, { key: KEY, headers });
    expect(features.status).toBe(200);
    expect(ListFeaturesResponse$inboundSchema.safeParse(features.body).success).toBe(true);
    expect((features.body.list as Array<{ id: string }>).map((f) => f.id)).toEqual(['api_calls', 'credits', 'seats']);
  });

  it('emulator: a seeded plan item autumn-js cannot read is refused', async () => {
    const emu = await emulator({ rateLimit: 0 });
    running.push(emu);
    expect(() => emu.seed({ plans: [{ id: 'p', items: [{ feature_id: 'a', included: 'lots' }] }] })).toThrow(/plans\[0\]\.items\[0\]: not a plan item autumn-js reads/);
  });
});
