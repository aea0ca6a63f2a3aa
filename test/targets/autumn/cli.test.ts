// The Autumn target through the real CLI (a child process) against the emulator over loopback HTTP.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, describe, expect, it } from 'vitest';
import planSchema from '../../../schema/plan.schema.json' with { type: 'json' };
import type { AutumnEmulator } from '../../../src/emulate/autumn/emulator.js';
import { emulator, expectSdkValidBodies, KEY, seedFor, SMALL_POLICIES, tollgate, workDir } from './helpers.js';

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function setup(files: Record<string, string> = SMALL_POLICIES): Promise<{ cwd: string; emu: AutumnEmulator; write(file: string, text: string): void; args(...a: string[]): string[] }> {
  const dir = workDir(files);
  const emu = await emulator();
  cleanups.push(dir.cleanup, () => emu.close());
  emu.seed(seedFor(path.join(dir.cwd, 'policies')));
  return { cwd: dir.cwd, emu, write: dir.write, args: (...a) => [...a, '--target', 'autumn', '--endpoint', emu.url] };
}

describe('autumn target through the CLI', () => {
  it('plans, applies, and then plans no changes', async () => {
    const { cwd, emu, args } = await setup();
    const plan = await tollgate(args('plan', '--detailed-exitcode'), cwd);
    expect(plan.stderr).not.toContain('internal error');
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('Plan: 4 to add, 0 to change, 0 to remove');

    const apply = await tollgate(args('apply', '--yes'), cwd);
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('Apply complete! Objects: 4 added, 0 changed, 0 removed.');

    const again = await tollgate(args('plan', '--detailed-exitcode'), cwd);
    expect(again.stdout).toBe('No changes. The billing system matches the policies.\n');
    expect(again.code).toBe(0);

    // What Autumn holds, in its own words.
    const state = emu.state();
    const acme = state.customers.find((c) => c.id === 'acme')!;
    expect(acme.billing_controls).toEqual({
      overage_allowed: [{ feature_id: 'api_calls', enabled: true }],
      spend_limits: [{ feature_id: 'api_calls', enabled: true, overage_limit: 5000 }],
      usage_alerts: [
        { feature_id: 'api_calls', enabled: true, threshold: 90, threshold_type: 'usage_percentage', basis: 'balance', name: '90% usage' },
        { feature_id: 'api_calls', enabled: false, threshold: 900, threshold_type: 'usage', basis: 'balance' },
      ],
      auto_topups: [{ feature_id: 'credits', enabled: true, threshold: 500, quantity: 1000, purchase_limit: { interval: 'month', interval_count: 1, limit: 5 } }],
    });
    expect(acme.metadata).toEqual({ tollgate_managed: 'v1 workspace_a' });
    const hooli = state.customers.find((c) => c.id === 'hooli')!;
    expect(hooli.billing_controls.spend_limits).toEqual([{ feature_id: 'api_calls', enabled: false }]);
    expect(hooli.billing_controls.usage_alerts).toEqual([
      { feature_id: 'api_calls', enabled: false, threshold: 0, threshold_type: 'usage', basis: 'balance', name: 'tollgate: no alerts' },
    ]);
    expect(state.plans.find((p) => p.id === 'pro')!.billing_controls.usage_alerts).toHaveLength(1);
    // Every body sent is one autumn-js itself would send, and every write carried an Idempotency-Key.
    expectSdkValidBodies(emu.requests());
    const writes = emu.requests().filter((r) => r.path.endsWith('.update'));
    const controlWrites = writes.filter((r) => (r.body as { billing_controls?: unknown }).billing_controls !== undefined);
    expect(controlWrites.map((r) => r.path).sort()).toEqual(['/v1/customers.update', '/v1/customers.update', '/v1/entities.update', '/v1/plans.update']);
    expect(writes.length - controlWrites.length).toBeLessThanOrEqual(1); // at most one marker write, for workspace_a
    expect(writes.every((r) => /^[0-9a-f]{32}$/.test(r.headers['idempotency-key'] ?? '') && r.headers['x-api-version'] === '2.3.0')).toBe(true);
  });

  it('plans the clearing of a customer whose file was deleted, from a fresh clone (the managed set lives in Autumn)', async () => {
    const { cwd, emu, args } = await setup();
    expect((await tollgate(args('apply', '--yes'), cwd)).code).toBe(0);
    const { rmSync } = await import('node:fs');
    rmSync(path.join(cwd, 'policies/customers/acme.yaml'));
    rmSync(path.join(cwd, '.tollgate'), { recursive: true, force: true });
    const plan = await tollgate(args('plan'), cwd);
    expect(plan.stdout).toContain('Plan: 0 to add, 0 to change, 2 to remove');
    const apply = await tollgate(args('apply', '--yes'), cwd);
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    const acme = emu.state().customers.find((c) => c.id === 'acme')!;
    expect(acme.billing_controls).toEqual({});
    expect(emu.state().entities.find((e) => e.id === 'workspace_a')!.billing_controls).toEqual({});
    expect((await tollgate(args('plan', '--detailed-exitcode'), cwd)).code).toBe(0);
  });

  it('plans a managed marker that differs from what the policies imply as a change, and apply sets it right', async () => {
    const { cwd, emu, args } = await setup();
    expect((await tollgate(args('apply', '--yes'), cwd)).code).toBe(0);
    const setMetadata = (customer: string, metadata: Record<string, unknown>) =>
      fetch(`${emu.url}/v1/customers.update`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ customer_id: customer, metadata }),
      });
    // acme lists an entity that holds nothing (left by an apply killed after clearing it); hooli lost its marker.
    await setMetadata('acme', { tollgate_managed: 'v1 gone workspace_a', crm: 'x' });
    await setMetadata('hooli', {});
    const plan = await tollgate(args('plan', '--detailed-exitcode'), cwd);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('~ managed marker: v1 gone workspace_a → v1 workspace_a');
    expect(plan.stdout).toContain('~ managed marker: (none) → v1');
    expect(plan.stdout).toContain('Plan: 0 to add, 2 to change, 0 to remove');
    // The saved plan carries the marker change, and is still a plan by schema/plan.schema.json.
    const json = JSON.parse((await tollgate(args('plan', '--format', 'json'), cwd)).stdout);
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(planSchema);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json.objects.find((o: { key: string }) => o.key === 'customer:hooli')).toMatchObject({ changes: [], marker: { before: null, after: 'v1' } });
    const apply = await tollgate(args('apply', '--yes'), cwd);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    const metadata = (id: string) => emu.state().customers.find((c) => c.id === id)!.metadata;
    expect(metadata('acme')).toEqual({ tollgate_managed: 'v1 workspace_a', crm: 'x' });
    expect(metadata('hooli')).toEqual({ tollgate_managed: 'v1' });
    expect((await tollgate(args('plan', '--detailed-exitcode'), cwd)).code).toBe(0);
  });

  it('applies a saved plan after a killed apply marked a customer that holds nothing yet (not stale)', async () => {
    const { cwd, emu, args } = await setup();
    expect((await tollgate(args('plan', '-o', 'plan.json'), cwd)).code).toBe(0);
    // What an apply killed right after its first marker write leaves: acme marked for workspace_a, no controls yet.
    await fetch(`${emu.url}/v1/customers.update`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ customer_id: 'acme', metadata: { tollgate_managed: 'v1 workspace_a' } }),
    });
    const apply = await tollgate(args('apply', 'plan.json', '--yes'), cwd);
    expect(apply.stdout + apply.stderr).not.toContain('stale');
    expect(apply.code, apply.stderr).toBe(0);
    expect((await tollgate(args('plan', '--detailed-exitcode'), cwd)).code).toBe(0);
  });

  it('leaves controls set by hand on customers tollgate never wrote to', async () => {
    const { cwd, emu, args } = await setup();
    emu.seed({ customers: [{ id: 'manual', plan_id: 'pro', billing_controls: { overage_allowed: [{ feature_id: 'api_calls', enabled: false }] } }] });
    const plan = await tollgate(args('plan'), cwd);
    expect(plan.stdout).not.toContain('manual');
  });

  it('refuses a wrong key with a message naming AUTUMN_SECRET_KEY and never the key', async () => {
    const { cwd, args } = await setup();
    const wrong = 'am_sk_test_wrong_key_12345';
    const run = await tollgate(args('plan'), cwd, { AUTUMN_SECRET_KEY: wrong });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('AUTUMN_SECRET_KEY');
    expect(run.stderr).toContain('401');
    expect(run.stderr + run.stdout).not.toContain(wrong);
    const none = await tollgate(args('plan'), cwd, { AUTUMN_SECRET_KEY: undefined });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('AUTUMN_SECRET_KEY is not set');
  });

  it('refuses a production key unless --live is given', async () => {
    const { cwd, args } = await setup();
    const live = 'am_sk_live_abcdef123456';
    const refused = await tollgate(args('plan'), cwd, { AUTUMN_SECRET_KEY: live });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--live');
    expect(refused.stderr).not.toContain(live);
    // With --live it is used (the emulator accepts only KEY, so it answers 401: the key was sent).
    const allowed = await tollgate([...args('plan'), '--live'], cwd, { AUTUMN_SECRET_KEY: live });
    expect(allowed.stderr).toContain('401');
  });

  it('names a customer Autumn does not know, since tollgate never creates customers', async () => {
    const { cwd, write, args } = await setup();
    write('policies/customers/newco.yaml', 'kind: Customer\nid: cust_x\nplan: pro\ncontrols:\n  api_calls: { overage: block }\n');
    const run = await tollgate(args('plan'), cwd);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('tollgate never creates customers: create cust_x in Autumn first');
  });

  it('refuses an unsupported control at plan time, once per place', async () => {
    const { cwd, write, args } = await setup();
    write('policies/customers/hooli.yaml', 'kind: Customer\nid: hooli\nplan: pro\noverageLimit: { maxOverageAmount: 1000, onLimitReached: block }\n');
    const run = await tollgate(args('plan'), cwd);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/policies\/customers\/hooli\.yaml:4:\d+/);
    expect(run.stderr).toContain('does not support');
  });

  it('a rerun of a saved plan finishes what an interrupted apply left', async () => {
    const { cwd, emu, args } = await setup();
    expect((await tollgate(args('plan', '-o', 'plan.json'), cwd)).code).toBe(0);
    // Part of the plan reached Autumn already (hooli), the rest did not.
    const plan = JSON.parse(readFileSync(path.join(cwd, 'plan.json'), 'utf8'));
    writeFileSync(path.join(cwd, 'partial.json'), JSON.stringify({ ...plan, objects: plan.objects.filter((o: { key: string }) => o.key === 'customer:hooli') }));
    expect((await tollgate(args('apply', 'partial.json', '--yes'), cwd)).code).toBe(0);
    const rerun = await tollgate(args('apply', 'plan.json', '--yes'), cwd);
    expect(rerun.stderr).toContain('1 of 4 objects already hold the planned state');
    expect(rerun.code).toBe(0);
    expect((await tollgate(args('plan', '--detailed-exitcode'), cwd)).code).toBe(0);
    void emu;
    void KEY;
  });
});
