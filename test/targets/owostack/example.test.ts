// examples/owostack/: a second policy repository aimed at Owostack, planned against the emulator.
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OWOSTACK_ROUTES } from '../../../src/targets/owostack/routes.js';
import { emulatorBilling, expectedBilling, Fixtures, REPO, seedCustomersOf, tollgate } from './helpers.js';

const EXAMPLE = path.join(REPO, 'examples/owostack');
const POLICIES = path.join(EXAMPLE, 'policies');

const fixtures = new Fixtures();
afterEach(() => fixtures.cleanup());

/** An emulator loaded with the example's customers, from a copy of its state file (as the README says). */
async function exampleEmulator() {
  const statePath = path.join(fixtures.workdir(), 'emulator-state.json');
  copyFileSync(path.join(EXAMPLE, 'emulator-state.json'), statePath);
  return fixtures.emulator({ statePath });
}

describe('examples/owostack', () => {
  it('validates with no errors and no warnings', async () => {
    const result = await tollgate(['validate', '--strict', '--dir', POLICIES], fixtures.workdir());
    expect(result.stdout + result.stderr).toContain('No problems found.');
    expect(result.code).toBe(0);
  });

  it('plans against the emulator from its own folder, with target and directory from tollgate.yaml', async () => {
    const emulator = await exampleEmulator();
    const result = await tollgate(['plan', '--detailed-exitcode'], EXAMPLE, { OWOSTACK_API_URL: emulator.baseUrl });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(2);
    expect(result.stdout).toContain(`tollgate will make these changes on target owostack (${emulator.baseUrl}):`);
    expect(result.stdout).toContain('+ labels.overage: allow  (policies/customers/cust_123.yaml:16)');
    expect(result.stdout).toContain('+ labels.maxOverageUnits: 1,000  (policies/customers/cust_123.yaml:17)');
    expect(result.stdout).toContain('+ overageLimit: $5,000.00 then block  (policies/customers/cust_123.yaml:18)');
    expect(result.stdout).toContain('Plan: 3 to add, 0 to change, 0 to remove (3 customers, 0 entities affected).');
    // plan reads each customer with one GET and writes nothing, there or locally, but its cache.
    expect(emulator.requests().map((r) => `${r.method} ${r.path}`).sort()).toEqual(
      ['cust_123', 'cust_globex', 'cust_hooli', 'cust_initech'].map((id) => `GET /v1/customers/${id}`),
    );
    expect(readdirSync(path.join(EXAMPLE, '.tollgate'))).toEqual(['cache']);
    rmSync(path.join(EXAMPLE, '.tollgate'), { recursive: true, force: true });
  });

  it('applies, leaving Owostack holding exactly the example\'s overrides, and then plans no changes', async () => {
    const emulator = await exampleEmulator();
    const cwd = fixtures.workdir();
    const target = ['--dir', POLICIES, '--target', 'owostack', '--endpoint', emulator.baseUrl];
    const apply = await tollgate(['apply', '--yes', ...target], cwd);
    expect(apply.code, apply.stderr).toBe(0);
    const billing = emulatorBilling(emulator);
    const expected = expectedBilling(POLICIES);
    expect(billing).toEqual(expected);
    expect(billing.get('cust_123')).toEqual({
      overageLimit: { maxOverageAmount: 500_000, onLimitReached: 'block' },
      featureConfigs: [
        { feature: 'labels', overage: 'charge', maxOverageUnits: 1000 },
        { feature: 'tracking_events', overage: null, maxOverageUnits: 5_000_000 },
      ],
    });
    const again = await tollgate(['plan', '--detailed-exitcode', ...target], cwd);
    expect(again.code).toBe(0);
  });

  it('plans the removal of a deleted customer\'s file as a change to that customer, in money, with its exposure', async () => {
    const emulator = await fixtures.emulator();
    const cwd = fixtures.workdir();
    cpSync(POLICIES, path.join(cwd, 'policies'), { recursive: true });
    seedCustomersOf(emulator, POLICIES);
    const target = ['--dir', 'policies', '--target', 'owostack', '--endpoint', emulator.baseUrl];
    expect((await tollgate(['apply', '--yes', ...target], cwd)).code).toBe(0);
    rmSync(path.join(cwd, 'policies/customers/cust_initech.yaml'));

    const plan = await tollgate(['plan', '--detailed-exitcode', ...target], cwd);
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toContain('- customer cust_initech (all overrides removed)');
    expect(plan.stdout).toContain('- overageLimit: $250.00 then notify');
    // labels stay capped by the plan's maxPurchase ($1,000.00); tracking_events loses its block and is uncapped
    expect(plan.stdout).toContain('money exposure: $1,000.00 → unbounded');
    expect(plan.stdout).toContain('Plan: 0 to add, 0 to change, 1 to remove (1 customer, 0 entities affected).');
    const markdown = await tollgate(['plan', '--format', 'markdown', ...target], cwd);
    expect(markdown.stdout).toContain('| `cust_initech` | $1,000.00 | **unbounded** ⚠️ | **no longer capped** |');
    expect(markdown.stdout).toContain('-   overageLimit: $250.00 then notify');

    // A checkout of a tollgate from before the state backend: no backend state, only the managed-set file it
    // kept (without plans, as its first versions wrote it). Its customers are not forgotten.
    rmSync(path.join(cwd, '.tollgate/state'), { recursive: true });
    mkdirSync(path.join(cwd, '.tollgate/owostack'), { recursive: true });
    writeFileSync(path.join(cwd, '.tollgate/owostack/managed.json'), JSON.stringify({ formatVersion: 1, endpoints: { [emulator.baseUrl]: ['customer:cust_initech'] } }));
    const legacy = await tollgate(['plan', ...target], cwd);
    expect(legacy.stdout).toContain('- customer cust_initech (all overrides removed)');
    expect(legacy.stdout).toContain('Plan: 0 to add, 0 to change, 1 to remove (1 customer, 0 entities affected).');
  });
});

describe('README', () => {
  it('documents the HTTP routes tollgate assumes, as OWOSTACK_ROUTES defines them', () => {
    const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
    for (const [name, route] of Object.entries(OWOSTACK_ROUTES)) expect(readme).toContain(`| \`${name}\` | \`${route.method} ${route.path}\` |`);
  });
});
