// The policies' catalog against Autumn's, through the real CLI against the emulator over HTTP: each difference at
// the policy line that states it, with both values; a missing plan that sets controls stops the plan.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AutumnEmulator, AutumnSeed } from '../../../src/emulate/autumn/emulator.js';
import { emulator, seedFor, SMALL_POLICIES, tollgate, workDir } from './helpers.js';

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** SMALL_POLICIES plus `extra` files; Autumn seeded to agree with the policies, then changed by `edit`. */
async function setup(extra: Record<string, string>, edit: (seed: AutumnSeed) => void = () => undefined) {
  const dir = workDir({ ...SMALL_POLICIES, ...extra });
  const emu = await emulator();
  cleanups.push(dir.cleanup, () => emu.close());
  const seed = seedFor(path.join(dir.cwd, 'policies'));
  edit(seed);
  emu.seed(seed);
  return { cwd: dir.cwd, emu, args: (...a: string[]) => [...a, '--target', 'autumn', '--endpoint', emu.url] };
}

const writes = (emu: AutumnEmulator) => emu.requests().filter((r) => r.path.endsWith('.update'));

const PLANS = {
  'policies/plans/enterprise.yaml': `kind: Plan
id: enterprise
currency: USD
features:
  api_calls: { included: 100000, reset: month, pricing: usage_based, price: { amount: 50, per: 1000 } }
controls:
  api_calls: { maxOverageUnits: 1000000 }
`,
  'policies/plans/starter.yaml': `kind: Plan
id: starter
currency: USD
features:
  api_calls: { included: 100, reset: month }
`,
};

describe('autumn catalog check', () => {
  it('stops the plan at a plan with controls that Autumn lacks, naming it and every other difference; nothing is written', async () => {
    const { cwd, emu, args } = await setup(PLANS, (seed) => {
      seed.plans = seed.plans!.filter((p) => p.id === 'pro');
    });
    const plan = await tollgate(args('plan'), cwd);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toBe('');
    const lines = plan.stderr.split('\n');
    expect(lines).toContain('policies/plans/enterprise.yaml:2:5  error  Autumn has no plan enterprise, so its controls cannot be written: create the plan in Autumn first (tollgate never creates plans).  catalog-missing-plan');
    expect(lines).toContain('policies/plans/starter.yaml:2:5  warning  Autumn has no plan starter: create it in Autumn (it sets no controls, so tollgate writes nothing to it).  catalog-unknown-plan');
    expect(lines).toContain('✖ 1 error, 1 warning');
    expect(plan.stderr).toContain('The policies set controls on 1 plan target autumn does not have; nothing was planned.');
    expect(plan.stderr).not.toContain('internal error');
    const apply = await tollgate(args('apply', '--yes'), cwd);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain('catalog-missing-plan');
    expect(writes(emu)).toEqual([]);
  });

  it('warns at each plan item and feature that differs from Autumn, with both values, and plans on', async () => {
    const { cwd, emu, args } = await setup({}, (seed) => {
      seed.features = seed.features!.filter((f) => f.id !== 'seats');
      const pro = seed.plans!.find((p) => p.id === 'pro')!;
      const apiCalls = pro.items!.find((i) => i.feature_id === 'api_calls')!;
      apiCalls.included = 2000;
      apiCalls.reset = { interval: 'month', interval_count: 3 };
      apiCalls.price = { ...(apiCalls.price as object), amount: 2.5, max_purchase: 5000 };
      // credits loses its one-off top-up item, seats its item altogether.
      pro.items = pro.items!.filter((i) => i.feature_id === 'api_calls' || (i.feature_id === 'credits' && (i.price as { interval?: string } | null)?.interval !== 'one_off'));
    });
    const plan = await tollgate(args('plan', '--detailed-exitcode'), cwd);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('Plan: 4 to add, 0 to change, 0 to remove');
    const lines = plan.stderr.split('\n');
    for (const expected of [
      'policies/features.yaml:12:5  warning  Autumn has no feature seats: create it in Autumn (tollgate never pushes the catalog).  catalog-unknown-feature',
      // A field the policy leaves out (maxPurchase) is reported at its item.
      'policies/plans/pro.yaml:5:14  warning  Plan pro, api_calls.maxPurchase: none here, 5000 in Autumn.  catalog-mismatch',
      'policies/plans/pro.yaml:5:26  warning  Plan pro, api_calls.included: 1000 here, 2000 in Autumn.  catalog-mismatch',
      'policies/plans/pro.yaml:5:39  warning  Plan pro, api_calls.reset: month here, 3 month in Autumn.  catalog-mismatch',
      'policies/plans/pro.yaml:5:75  warning  Plan pro, api_calls.price: { amount: 100, per: 1000 } here, { amount: 250, per: 1000 } in Autumn.  catalog-mismatch',
      'policies/plans/pro.yaml:6:56  warning  Plan pro, credits.topUpPrice: { amount: 1000, per: 1000 } here, none in Autumn.  catalog-mismatch',
      "policies/plans/pro.yaml:7:10  warning  Autumn's plan pro has no item for seats: add it in Autumn, or remove seats from the plan here.  catalog-missing-item",
      '✖ 7 warnings',
    ]) {
      expect(lines).toContain(expected);
    }
    expect(plan.stderr).not.toContain('error');
    expect(writes(emu)).toEqual([]);
  });

  it('prints nothing when Autumn holds the catalog the policies describe', async () => {
    const { cwd, args } = await setup({});
    const plan = await tollgate(args('plan'), cwd);
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
  });
});
