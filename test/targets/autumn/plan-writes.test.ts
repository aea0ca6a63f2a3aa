// A plan in the policies that sets no controls is never written to Autumn (SPEC §8), whatever Autumn's plan holds:
// through the real CLI against the emulator over HTTP, counting the write requests.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emulator, seedFor, SMALL_POLICIES, tollgate, workDir } from './helpers.js';

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** SMALL_POLICIES with plan pro's `controls` block taken out. */
const WITHOUT_PLAN_CONTROLS: Record<string, string> = {
  ...SMALL_POLICIES,
  'policies/plans/pro.yaml': SMALL_POLICIES['policies/plans/pro.yaml']!.replace(/\ncontrols:[\s\S]*$/, '\n'),
};

const DASHBOARD_CONTROLS = {
  overage_allowed: [{ feature_id: 'seats', enabled: false }],
  usage_alerts: [{ feature_id: 'api_calls', enabled: true, threshold: 75, threshold_type: 'usage_percentage', basis: 'balance' }],
};

describe('autumn plan objects', () => {
  it('never writes a plan that sets no controls, even when Autumn\'s plan holds controls of its own', async () => {
    expect(WITHOUT_PLAN_CONTROLS['policies/plans/pro.yaml']).not.toContain('controls');
    const dir = workDir(WITHOUT_PLAN_CONTROLS);
    const emu = await emulator();
    cleanups.push(dir.cleanup, () => emu.close());
    const seed = seedFor(path.join(dir.cwd, 'policies'));
    seed.plans!.find((p) => p.id === 'pro')!.billing_controls = DASHBOARD_CONTROLS;
    emu.seed(seed);
    const args = (...a: string[]) => [...a, '--target', 'autumn', '--endpoint', emu.url];

    const plan = await tollgate(args('plan'), dir.cwd);
    expect(plan.code).toBe(0);
    expect(plan.stdout).not.toContain('plan pro');
    expect(plan.stdout).toContain('Plan: 3 to add, 0 to change, 0 to remove');

    emu.clearRequests();
    const apply = await tollgate(args('apply', '--yes'), dir.cwd);
    expect(apply.code).toBe(0);
    const writes = emu.requests().filter((r) => r.path.endsWith('.update'));
    // acme's marker (before its entity is given controls), acme, hooli, the entity: no plans.update.
    expect(writes.map((r) => r.path).sort()).toEqual(['/v1/customers.update', '/v1/customers.update', '/v1/customers.update', '/v1/entities.update']);
    expect(emu.state().plans.find((p) => p.id === 'pro')!.billing_controls).toEqual(DASHBOARD_CONTROLS);
  });
});
