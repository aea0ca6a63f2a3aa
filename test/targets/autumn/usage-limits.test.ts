// usageLimits on Autumn: `usage_limits` on plans, customers and entities, written through injected faults with
// bodies autumn-js accepts, read back as what was written, and a window's usage counter kept across a rewrite.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../../src/apply/apply.js';
import type { CliIO } from '../../../src/cli/io.js';
import { makePlan } from '../../../src/cli/pipeline.js';
import { AutumnTarget } from '../../../src/targets/autumn/autumn-target.js';
import { analyze } from '../../../src/validate/index.js';
import { emulator, expectSdkValidBodies, KEY, seedFor, SMALL_POLICIES, tollgate, workDir } from './helpers.js';

const silentIO: CliIO = { out: () => {}, err: () => {}, env: {}, stdinIsTTY: false, stderrIsTTY: false, color: false, colorErr: false, ask: async () => 'no' };

const POLICIES: Record<string, string> = {
  'policies/features.yaml': SMALL_POLICIES['policies/features.yaml']!,
  'policies/plans/pro.yaml': SMALL_POLICIES['policies/plans/pro.yaml']! + '    usageLimits: [{ limit: 100000, interval: month }]\n',
  'policies/customers/acme.yaml': `kind: Customer
id: acme
plan: pro
controls:
  api_calls:
    usageLimits:
      - { limit: 10000, interval: day, anchor: utc, filter: { properties: { plan_tier: pro, region: eu } } }
      - { limit: 150000, interval: month }
  seats:
    usageLimits: [{ limit: 3, interval: year, enabled: false }]
entities:
  workspace_a:
    controls:
      api_calls: { usageLimits: [{ limit: 2500, interval: week }] }
  workspace_b:
    controls:
      api_calls: { usageLimits: [] }
`,
  'policies/customers/hooli.yaml': `kind: Customer
id: hooli
plan: pro
controls:
  api_calls: { usageLimits: [] }
`,
};

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('usageLimits on Autumn', () => {
  it('applies limits on customers and entities through 10% faults, with SDK-valid bodies, and then plans no changes', async () => {
    const dir = workDir(POLICIES);
    const policies = path.join(dir.cwd, 'policies');
    const emu = await emulator({ rateLimit: 0, faultRate: 0.1, faultSeed: 8, slowMs: 25, faultRetryAfterSeconds: 0 });
    cleanups.push(dir.cleanup, () => emu.close());
    emu.seed(seedFor(policies));
    const target = () =>
      new AutumnTarget({ secretKey: KEY, endpoint: emu.url, rateLimit: 5000, timeoutMs: 10_000, retry: { baseMs: 1, capMs: 20, maxAttempts: 12 } });

    const plan = await makePlan(analyze(policies), target(), silentIO);
    expect(plan.objects.map((o) => o.key).sort()).toEqual(['customer:acme', 'customer:hooli', 'entity:acme/workspace_a', 'entity:acme/workspace_b', 'plan:pro']);
    const report = await applyPlan(plan, target(), { retry: { baseMs: 1, capMs: 20, maxAttempts: 12 } });
    expect(report.failed).toEqual([]);
    expect(report.applied).toHaveLength(5);
    expect(emu.requests().filter((r) => r.fault !== null).length).toBeGreaterThan(0);
    expectSdkValidBodies(emu.requests());

    const state = emu.state();
    expect(state.customers.find((c) => c.id === 'acme')!.billing_controls.usage_limits).toEqual([
      { feature_id: 'api_calls', enabled: true, limit: 10000, interval: 'day', anchor: 'utc', filter: { properties: { plan_tier: 'pro', region: 'eu' } } },
      { feature_id: 'api_calls', enabled: true, limit: 150000, interval: 'month', anchor: 'billing_cycle' },
      { feature_id: 'seats', enabled: false, limit: 3, interval: 'year', anchor: 'billing_cycle' },
    ]);
    const entity = (id: string) => state.entities.find((e) => e.id === id)!.billing_controls.usage_limits;
    expect(entity('workspace_a')).toEqual([{ feature_id: 'api_calls', enabled: true, limit: 2500, interval: 'week', anchor: 'billing_cycle' }]);
    // [] hides the plan's monthly limit: one disabled limit only tollgate writes.
    expect(entity('workspace_b')).toEqual([{ feature_id: 'api_calls', enabled: false, limit: 1, interval: 'year', filter: { properties: { tollgate: 'no usage limits' } } }]);

    // A new process, through the same faults, reads back exactly what the policies say.
    expect((await makePlan(analyze(policies), target(), silentIO)).objects).toEqual([]);
  });

  it('keeps the usage Autumn counted in a window when it rewrites that window\'s limit', async () => {
    const dir = workDir(POLICIES);
    const policies = path.join(dir.cwd, 'policies');
    const emu = await emulator();
    cleanups.push(dir.cleanup, () => emu.close());
    const seed = seedFor(policies);
    const acme = seed.customers!.find((c) => c.id === 'acme')!;
    acme.billing_controls = {
      usage_limits: [
        // the same window as the policy's daily limit (filter keys in another order), at a lower cap, 4,321 used
        { feature_id: 'api_calls', enabled: true, limit: 5000, interval: 'day', anchor: 'utc', filter: { properties: { region: 'eu', plan_tier: 'pro' } }, usage: 4321 },
      ],
    };
    emu.seed(seed);

    const result = await tollgate(['apply', '--yes', '--target', 'autumn'], dir.cwd, { AUTUMN_API_URL: emu.url });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('~ api_calls.usageLimits: [5,000 a day (utc) where plan_tier=pro, region=eu] → [10,000 a day (utc) where plan_tier=pro, region=eu, 150,000 a month]');
    expectSdkValidBodies(emu.requests());
    const limits = emu.state().customers.find((c) => c.id === 'acme')!.billing_controls.usage_limits!;
    expect(limits[0]).toMatchObject({ limit: 10000, interval: 'day', usage: 4321 });
    expect(limits[1]).not.toHaveProperty('usage');
    expect((await tollgate(['plan', '--target', 'autumn'], dir.cwd, { AUTUMN_API_URL: emu.url })).stdout).toBe('No changes. The billing system matches the policies.\n');
  });
});
