// plan and apply with --target owostack through the real CLI, against the Owostack emulator over HTTP.
import { openBackend, selectBackend } from '../../../src/backend/index.js';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { policyDir, positionOf, yaml } from '../../helpers/policy-dir.js';
import { emulatorBilling, existing, expectedBilling, Fixtures, SECRET_KEY, seedCustomersOf, tollgate, type CustomerBilling } from './helpers.js';

const fixtures = new Fixtures();
afterEach(() => fixtures.cleanup());

const CATALOG = yaml`
  kind: Feature
  id: api_calls
  type: metered
  ---
  kind: Feature
  id: ai_tokens
  type: metered
  ---
  kind: Feature
  id: storage_gb
  type: metered
  ---
  kind: Plan
  id: pro
  currency: USD
  features:
    api_calls: { included: 1000, reset: month, pricing: usage_based, price: { amount: 100, per: 1000 } }
    ai_tokens: { included: 100000, reset: month, pricing: usage_based, price: { amount: 50, per: 100000 }, maxPurchase: 20000000 }
    storage_gb: { included: 10, reset: month }
  ---
  kind: Profile
  id: enterprise
  controls:
    api_calls: { maxOverageUnits: 500000 }
    ai_tokens: { maxOverageUnits: 90000000 }
  overageLimit: { maxOverageAmount: 2500000, onLimitReached: notify }
`;

/** A customer document whose controls vary with `i` (and `round`), covering every mapping. */
function customerYaml(i: number, round: number): string {
  const id = `cust_${String(i).padStart(3, '0')}`;
  const bump = round * 7;
  switch (i % 5) {
    case 0:
      return `kind: Customer\nid: ${id}\nplan: pro\n`;
    case 1:
      return `kind: Customer\nid: ${id}\nplan: pro\ncontrols:\n  api_calls: { overage: allow, maxOverageUnits: ${1000 + i + bump} }\n`;
    case 2:
      return `kind: Customer\nid: ${id}\nplan: pro\nextends: [enterprise]\ncontrols:\n  storage_gb: ${round === 0 ? '{ overage: block }' : `{ overage: allow, maxOverageUnits: ${i} }`}\n`;
    case 3:
      return `kind: Customer\nid: ${id}\nplan: pro\ncontrols:\n  storage_gb: { overage: allow, maxOverageUnits: ${10 * i + bump} }\noverageLimit: { maxOverageAmount: ${1000 * i + bump}, onLimitReached: ${round === 0 ? 'notify' : 'block'} }\n`;
    default:
      // api_calls has no maxPurchase, so `unlimited` is faithful: it clears the profile's cap on Owostack.
      return `kind: Customer\nid: ${id}\nplan: pro\nextends: [enterprise]\ncontrols:\n  api_calls: { maxOverageUnits: unlimited }\noverageLimit: unlimited\n`;
  }
}

function fleet(count: number): Record<string, string> {
  const files: Record<string, string> = { 'catalog.yaml': CATALOG };
  for (let i = 0; i < count; i++) files[`customers/c${i}.yaml`] = customerYaml(i, 0);
  return files;
}

const NOTHING: CustomerBilling = { overageLimit: null, featureConfigs: [] };

/** Every customer the emulator knows holds exactly what the policies say (nothing for those without a file). */
function expectConverged(emulatorState: Map<string, CustomerBilling>, dir: string): void {
  const expected = expectedBilling(dir);
  for (const id of expected.keys()) expect(emulatorState.has(id), `${id} exists in Owostack`).toBe(true);
  for (const [id, billing] of emulatorState) expect({ id, ...billing }).toEqual({ id, ...(expected.get(id) ?? NOTHING) });
}

describe('tollgate plan/apply --target owostack', () => {
  it('plans, applies, and then plans no changes; a saved plan applies exactly', async () => {
    const emulator = await fixtures.emulator();
    const cwd = fixtures.workdir();
    const dir = policyDir(fleet(10));
    seedCustomersOf(emulator, dir.path);
    const target = ['--dir', dir.path, '--target', 'owostack', '--endpoint', emulator.baseUrl];
    try {
      const plan = await tollgate(['plan', ...target, '--detailed-exitcode', '-o', 'plan.json'], cwd);
      expect(plan.stderr).not.toContain('error');
      expect(plan.code).toBe(2);
      expect(plan.stdout).toContain(`target owostack (${emulator.baseUrl})`);
      expect(plan.stdout).toMatch(/Plan: 8 to add, 0 to change, 0 to remove \(8 customers, 0 entities affected\)\./);

      // The saved plan names its target and endpoint: applying it needs neither flag.
      const apply = await tollgate(['apply', 'plan.json', '--dir', dir.path, '--yes'], cwd);
      expect(apply.stderr + apply.stdout).toContain('Apply complete! Objects: 8 added, 0 changed, 0 removed.');
      expect(apply.code).toBe(0);
      expectConverged(emulatorBilling(emulator), dir.path);

      const again = await tollgate(['plan', ...target, '--detailed-exitcode'], cwd);
      expect(again.stdout).toContain('No changes.');
      expect(again.code).toBe(0);

      // Every write carried its own idempotency key, derived from the change and the call.
      const writes = emulator.requests().filter((r) => r.method === 'POST');
      expect(writes.length).toBeGreaterThan(8);
      const keys = writes.map((r) => r.headers['idempotency-key']);
      expect(keys.every((k) => typeof k === 'string' && k.length > 0)).toBe(true);
      expect(new Set(keys).size).toBe(keys.length);
      // The secret key appears nowhere: not in output, not in the plan file.
      for (const text of [plan.stdout, plan.stderr, apply.stdout, apply.stderr, readFileSync(path.join(cwd, 'plan.json'), 'utf8')]) {
        expect(text).not.toContain(SECRET_KEY);
      }
    } finally {
      dir.cleanup();
    }
  });

  it('converges exactly under injected faults (10%, fixed seed), and clears the overrides of removed customers', async () => {
    const emulator = await fixtures.emulator({ faultRate: 0.1, faultSeed: 20240611 });
    const cwd = fixtures.workdir();
    const dir = policyDir(fleet(25));
    seedCustomersOf(emulator, dir.path);
    const target = ['--dir', dir.path, '--target', 'owostack', '--endpoint', emulator.baseUrl];
    try {
      const first = await tollgate(['apply', ...target, '--yes'], cwd);
      expect(first.stderr).not.toContain('tollgate hit an internal error');
      expect(first.code, first.stdout + first.stderr).toBe(0);
      expect(emulator.requests().filter((r) => r.fault !== null).length).toBeGreaterThan(0);
      expectConverged(emulatorBilling(emulator), dir.path);

      // Round two: change most customers and delete the files of some that hold overrides.
      for (let i = 0; i < 25; i++) {
        if (i % 7 === 1 || i % 7 === 3) rmSync(path.join(dir.path, `customers/c${i}.yaml`));
        else dir.write(`customers/c${i}.yaml`, customerYaml(i, 1));
      }
      const second = await tollgate(['apply', ...target, '--yes'], cwd);
      expect(second.code, second.stdout + second.stderr).toBe(0);
      expect(second.stdout).toMatch(/Apply complete! Objects: 0 added, \d+ changed, [1-9]\d* removed\./);
      expectConverged(emulatorBilling(emulator), dir.path);

      // the state backend's managed set (files under .tollgate/ by default) holds exactly the customers with overrides
      const backend = await openBackend(selectBackend('file'), { target: 'owostack', endpoint: emulator.baseUrl }, { stateDir: path.join(cwd, '.tollgate') });
      const expected = [...expectedBilling(dir.path)].filter(([, b]) => b.overageLimit !== null || b.featureConfigs.length > 0).map(([id]) => `customer:${id}`);
      expect(await backend.managedKeys()).toEqual(expected.sort());
      await backend.close();

      const again = await tollgate(['plan', ...target, '--detailed-exitcode'], cwd);
      expect(again.code, again.stdout + again.stderr).toBe(0);
    } finally {
      dir.cleanup();
    }
  });

  it('refuses controls Owostack cannot hold at plan time, one error per place, before any request', async () => {
    const emulator = await fixtures.emulator();
    const cwd = fixtures.workdir();
    const plan = yaml`
      kind: Plan
      id: team
      currency: USD
      features:
        api_calls: { included: 1000, reset: month, pricing: usage_based, price: { amount: 100, per: 1000 } }
        ai_tokens: { included: 100000, reset: month, pricing: usage_based, price: { amount: 50, per: 100000 }, maxPurchase: 20000000 }
      controls:
        api_calls:
          usageAlerts: [{ threshold: 80, type: usage_percentage }]
    `;
    const customer = yaml`
      kind: Customer
      id: cust_a
      plan: team
      controls:
        api_calls:
          overage: allow
          usageAlerts: [{ threshold: 900, type: usage }]
          usageLimits: [{ limit: 10000, interval: day, anchor: utc }]
        ai_tokens:
          maxOverageUnits: unlimited
      entities:
        workspace_a:
          controls:
            api_calls: { maxOverageUnits: 200 }
    `;
    const features = 'kind: Feature\nid: api_calls\ntype: metered\n---\nkind: Feature\nid: ai_tokens\ntype: metered\n';
    const dir = policyDir({ 'features.yaml': features, 'plans/team.yaml': plan, 'customers/cust_a.yaml': customer });
    try {
      const result = await tollgate(['plan', '--dir', dir.path, '--target', 'owostack', '--endpoint', emulator.baseUrl], cwd);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      const place = (file: string, text: string, needle: string): string => {
        const { line, column } = positionOf(text, needle);
        return `${path.relative(cwd, path.join(dir.path, file)).split(path.sep).join('/')}:${line}:${column}`;
      };
      expect(result.stderr).toContain(`${place('plans/team.yaml', plan, '[{ threshold: 80')}  error  Target owostack does not support plan-level controls, so api_calls.usageAlerts of plan team cannot be pushed.`);
      expect(result.stderr).toContain(`${place('customers/cust_a.yaml', customer, '[{ threshold: 900')}  error  Target owostack does not support "usageAlerts" on a customer, so api_calls.usageAlerts of customer cust_a cannot be pushed.`);
      expect(result.stderr).toContain(`${place('customers/cust_a.yaml', customer, '[{ limit: 10000')}  error  Target owostack does not support "usageLimits" on a customer, so api_calls.usageLimits of customer cust_a cannot be pushed.`);
      expect(result.stderr).toContain(`${place('customers/cust_a.yaml', customer, '200 }')}  error  Target owostack does not support entity-level controls, so api_calls.maxOverageUnits of entity cust_a/workspace_a cannot be pushed.`);
      expect(result.stderr).toContain(`${place('customers/cust_a.yaml', customer, 'unlimited')}  error  Target owostack cannot hold "maxOverageUnits: unlimited" for ai_tokens of customer cust_a: Owostack has no explicit "unlimited", and clearing the customer's cap falls back to plan team's maxPurchase (20000000).`);
      expect(result.stderr).toContain('The policies use 5 controls target owostack cannot hold; nothing was planned.');
      expect(emulator.requests()).toEqual([]);
    } finally {
      dir.cleanup();
    }
  });

  it('names OWOSTACK_SECRET_KEY when the key is missing or refused, and never prints it', async () => {
    const emulator = await fixtures.emulator();
    const cwd = fixtures.workdir();
    const dir = policyDir(fleet(3));
    const target = ['--dir', dir.path, '--target', 'owostack', '--endpoint', emulator.baseUrl];
    try {
      const missing = await tollgate(['plan', ...target], cwd, { OWOSTACK_SECRET_KEY: undefined });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe('error: OWOSTACK_SECRET_KEY is not set: export the secret key of your Owostack account (for the emulator, any non-empty key unless it was started with --secret-key).\n');

      const wrongKey = 'sk_test_wrong_7d1e';
      for (const command of [['plan'], ['apply', '--yes']]) {
        const wrong = await tollgate([...command, ...target], cwd, { OWOSTACK_SECRET_KEY: wrongKey });
        expect(wrong.code).toBe(1);
        expect(wrong.stderr).toContain('error: Owostack customer answered 401: Missing or invalid API key');
        expect(wrong.stderr).toContain('Check OWOSTACK_SECRET_KEY');
        expect(wrong.stderr).not.toContain('internal error');
        expect(wrong.stdout + wrong.stderr).not.toContain(wrongKey);
      }
      expect(emulator.state().customers).toEqual([]);
    } finally {
      dir.cleanup();
    }
  });

  it('names every customer the policies name that Owostack does not have, and writes nothing', async () => {
    const emulator = await fixtures.emulator();
    emulator.seed(existing('cust_001'));
    const cwd = fixtures.workdir();
    const dir = policyDir(fleet(4));
    const target = ['--dir', dir.path, '--target', 'owostack', '--endpoint', emulator.baseUrl];
    try {
      for (const command of [['plan'], ['apply', '--yes']]) {
        const result = await tollgate([...command, ...target], cwd);
        expect(result.code).toBe(1);
        expect(result.stderr).toBe(
          `error: Owostack at ${emulator.baseUrl} has none of these 3 customers the policies name: cust_000, cust_002, cust_003. tollgate never creates customers: create them in Owostack first (POST /customers), or point tollgate at the environment that has them (--live for production, --endpoint).\n`,
        );
      }
      expect(emulator.requests().filter((r) => r.method !== 'GET')).toEqual([]);
      expect(emulator.state().customers.map((c) => c.id)).toEqual(['cust_001']);
    } finally {
      dir.cleanup();
    }
  });

  it('uses a production key (owo_sk_live_…) only with --live', async () => {
    const liveKey = 'owo_sk_live_51c0ffee';
    const emulator = await fixtures.emulator({ secretKey: liveKey });
    const cwd = fixtures.workdir();
    const dir = policyDir(fleet(2));
    seedCustomersOf(emulator, dir.path);
    const target = ['--dir', dir.path, '--target', 'owostack', '--endpoint', emulator.baseUrl];
    try {
      const refused = await tollgate(['plan', ...target], cwd, { OWOSTACK_SECRET_KEY: liveKey });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe('error: OWOSTACK_SECRET_KEY holds a production key (owo_sk_live_…). tollgate uses production keys only when asked to: pass --live.\n');
      expect(emulator.requests()).toEqual([]);
      const allowed = await tollgate(['plan', '--live', ...target], cwd, { OWOSTACK_SECRET_KEY: liveKey });
      expect(allowed.stderr).toBe('');
      expect(allowed.code).toBe(0);
      expect(allowed.stdout + allowed.stderr).not.toContain(liveKey);
    } finally {
      dir.cleanup();
    }
  });
});
