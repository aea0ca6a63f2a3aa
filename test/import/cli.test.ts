// tollgate import through the real CLI, against the emulators over real HTTP: adopting an existing account.
import { readFileSync, rmSync } from 'node:fs';
import { openBackend, selectBackend } from '../../src/backend/index.js';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startOwostackEmulator } from '../../src/emulate/owostack/emulator.js';
import { emulator, tollgate, workDir, type RunResult } from '../targets/autumn/helpers.js';
import { tollgate as owostackCli } from '../targets/owostack/helpers.js';
import { POLICY_FILES, POLICY_FILES_WITHOUT_PLAN_CONTROLS, PRO_PLAN_CONTROLS } from './fixtures.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** acme's remaining alert, as import and plan list entries tollgate does not model: in Autumn's own words. */
const REMAINING = 'usage_alerts api_calls: {"feature_id":"api_calls","enabled":true,"threshold":100,"threshold_type":"remaining","basis":"balance"}';

const policies = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).map(([f, t]) => [`policies/${f}`, t]));

function expectOk(run: RunResult): void {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
}

describe('tollgate import --target autumn', () => {
  it('writes a file per customer, shares profiles, lists what it skips; validate is clean and plan shows no changes', async () => {
    const emu = await emulator({ rateLimit: 0 });
    cleanups.push(() => emu.close());
    const twin = { plan_id: 'pro', billing_controls: { overage_allowed: [{ feature_id: 'api_calls', enabled: false }] } };
    emu.seed({
      plans: [{ id: 'pro', billing_controls: PRO_PLAN_CONTROLS }, { id: 'legacy' }],
      customers: [
        {
          id: 'acme',
          name: 'Acme Corp',
          plan_id: 'pro',
          billing_controls: {
            spend_limits: [{ feature_id: 'api_calls', enabled: true, overage_limit: 5000 }],
            usage_alerts: [
              { feature_id: 'api_calls', enabled: true, threshold: 90, threshold_type: 'usage_percentage', basis: 'balance', name: '90% used' },
              { feature_id: 'api_calls', enabled: true, threshold: 100, threshold_type: 'remaining', basis: 'balance' },
            ],
            auto_topups: [{ feature_id: 'credits', enabled: true, threshold: 500, quantity: 1000, purchase_limit: { interval: 'month', interval_count: 1, limit: 5 } }],
          },
        },
        { id: 'plain', plan_id: 'pro' },
        { id: 'old', plan_id: 'legacy', billing_controls: { overage_allowed: [{ feature_id: 'api_calls', enabled: true }] } },
        { id: 't1', ...twin },
        { id: 't2', ...twin },
        { id: 't3', ...twin },
      ],
      entities: [{ customer_id: 'acme', id: 'ws_a', name: 'Workspace A', billing_controls: { spend_limits: [{ feature_id: 'api_calls', enabled: false }] } }],
    });
    const work = workDir(policies(POLICY_FILES));
    cleanups.push(work.cleanup);
    const env = { AUTUMN_API_URL: emu.url, SOURCE_DATE_EPOCH: '1767225600' };

    const imported = await tollgate(['import', '--target', 'autumn', '--all', '--profiles'], work.cwd, env);
    expectOk(imported);
    expect(imported.stdout).toBe(
      [
        'Imported 4 customers, 1 entity, 1 shared profile from autumn into 5 files:',
        '  + policies/customers/acme.yaml',
        '  + policies/customers/t1.yaml',
        '  + policies/customers/t2.yaml',
        '  + policies/customers/t3.yaml',
        '  + policies/profiles/imported-1.yaml',
        '1 customer holds no controls of its own: no file written (name one with --customer to write it).',
        'Skipped 1 customer, left as autumn holds it:',
        '  old: its plan legacy is not defined in the policies (import with --catalog to write it)',
        'Not managed by tollgate: 1 entry tollgate does not model on 1 object, kept as autumn holds them:',
        `  acme: ${REMAINING}`,
        'Marked 4 customers as managed by tollgate in autumn (metadata only; no billing control changed).',
        '',
      ].join('\n'),
    );
    // The file says so too, under where it came from.
    expect(readFileSync(path.join(work.cwd, 'policies/customers/acme.yaml'), 'utf8')).toContain(
      [
        `# Imported from autumn (${emu.url}) on 2026-01-01T00:00:00Z by tollgate import.`,
        '#',
        '# autumn also holds entries tollgate does not model; they are not managed by tollgate and kept on every write:',
        `#   ${REMAINING}`,
        '',
        'kind: Customer',
        'id: acme',
        'name: Acme Corp',
        'plan: pro',
      ].join('\n'),
    );
    const validate = await tollgate(['validate'], work.cwd, env);
    expect(validate.stdout).toBe('No problems found.\n');
    expect(validate.code).toBe(0);
    const plan = await tollgate(['plan', '--target', 'autumn', '--detailed-exitcode'], work.cwd, env);
    expect(plan.stdout).toContain('No changes.');
    expect(plan.code).toBe(0);

    // The remaining alert tollgate does not model is still there, and stays through an apply that changes acme.
    const acme = () => emu.state().customers.find((c) => c.id === 'acme')!;
    expect(acme().billing_controls.usage_alerts).toContainEqual(expect.objectContaining({ threshold_type: 'remaining' }));
    expect(acme().metadata).toEqual({ tollgate_managed: 'v1 ws_a' });

    // Imported means managed: a deleted file plans clearing that customer, as for any customer tollgate applied.
    rmSync(path.join(work.cwd, 'policies/customers/t1.yaml'));
    const removal = await tollgate(['plan', '--target', 'autumn'], work.cwd, env);
    expect(removal.stdout).toContain('- customer t1 (all overrides removed)');

    // Again: nothing new, nothing overwritten.
    const again = await tollgate(['import', '--target', 'autumn', '--customer', 'acme'], work.cwd, env);
    expectOk(again);
    expect(again.stdout).toContain('acme: already defined in the policies (policies/customers/acme.yaml)');
  });

  it('names a customer Autumn does not have', async () => {
    const emu = await emulator({ rateLimit: 0 });
    cleanups.push(() => emu.close());
    emu.seed({ plans: [{ id: 'pro', billing_controls: PRO_PLAN_CONTROLS }] });
    const work = workDir(policies(POLICY_FILES));
    cleanups.push(work.cleanup);
    const run = await tollgate(['import', '--target', 'autumn', '--customer', 'ghost'], work.cwd, { AUTUMN_API_URL: emu.url });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('ghost');
  });
});

describe('tollgate import --target owostack', () => {
  it('lists customers through GET /customers and takes their plan from --plan', async () => {
    const emu = await startOwostackEmulator({ port: 0, rateLimit: 0 });
    cleanups.push(() => emu.close());
    emu.seed({
      customers: [
        { id: 'globex', email: 'g@example.com', name: 'Globex', billing: { overageLimit: { maxOverageAmount: 500000, onLimitReached: 'block' }, featureConfigs: [{ feature: 'api_calls', overage: 'charge', maxOverageUnits: 1000 }] } },
        { id: 'quiet', email: 'q@example.com' },
      ],
    });
    const work = workDir(policies(POLICY_FILES_WITHOUT_PLAN_CONTROLS));
    cleanups.push(work.cleanup);
    const env = { OWOSTACK_API_URL: `${emu.url}/v1` };
    const without = await owostackCli(['import', '--target', 'owostack', '--all'], work.cwd, env);
    expect(without.stdout).toContain('globex: owostack does not say which plan it is on: name one with --plan');
    const run = await owostackCli(['import', '--target', 'owostack', '--all', '--plan', 'pro'], work.cwd, env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('+ policies/customers/globex.yaml');
    const plan = await owostackCli(['plan', '--target', 'owostack', '--detailed-exitcode'], work.cwd, env);
    expect(plan.stdout).toContain('No changes.');
    expect(plan.code).toBe(0);
    // Imported means managed: the state backend (files under .tollgate/ here) records globex with its plan.
    const backend = await openBackend(selectBackend('file'), { target: 'owostack', endpoint: `${emu.url}/v1` }, { stateDir: path.join(work.cwd, '.tollgate') });
    expect(await backend.managedKeys()).toEqual(['customer:globex']);
    expect((await backend.lastApplied(['customer:globex'])).get('customer:globex')?.plan).toBe('pro');
    await backend.close();
    rmSync(path.join(work.cwd, 'policies/customers/globex.yaml'));
    const removal = await owostackCli(['plan', '--target', 'owostack'], work.cwd, env);
    expect(removal.stdout).toContain('- customer globex (all overrides removed)');
  });
});
