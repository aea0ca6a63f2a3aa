// Autumn entries tollgate does not model survive every write byte for byte and are listed by plan as "not managed
// by tollgate": through the real CLI against the emulator over HTTP.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, describe, expect, it } from 'vitest';
import planSchema from '../../../schema/plan.schema.json' with { type: 'json' };
import type { AutumnEmulator, BillingControls } from '../../../src/emulate/autumn/emulator.js';
import { unmodeledEntries } from '../../../src/targets/autumn/unmodeled.js';
import { call } from '../../emulate/http-helpers.js';
import { emulator, expectSdkValidBodies, KEY, seedFor, SMALL_POLICIES, tollgate, workDir } from './helpers.js';

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** What someone set on acme in Autumn's dashboard that tollgate has no words for. */
const ACME_OWN: BillingControls = {
  usage_alerts: [
    { feature_id: 'api_calls', enabled: true, threshold: 500, threshold_type: 'remaining', basis: 'balance', name: 'low balance' },
    { feature_id: 'api_calls', enabled: true, threshold: 50, threshold_type: 'usage_percentage', basis: 'included' },
    { feature_id: 'api_calls', enabled: false, threshold: 90, threshold_type: 'usage_percentage', basis: 'usage_limit', filter: { properties: { model: 'large' } } },
  ],
  spend_limits: [{ feature_id: 'seats', enabled: true, limit_type: 'usage_percentage', overage_limit: 120 }],
  auto_topups: [{ feature_id: 'seats', enabled: true, threshold: 1, quantity: 5, invoice_mode: true }],
};
const ENTITY_OWN: BillingControls = {
  usage_alerts: [{ feature_id: 'api_calls', enabled: true, threshold: 10, threshold_type: 'remaining_percentage', basis: 'balance' }],
};

/** The entries of `controls` whose JSON is one of `wanted`'s, as JSON: what survived of them. */
function surviving(controls: BillingControls, wanted: BillingControls): string[] {
  const json = (c: BillingControls) => Object.values(c).flatMap((entries: unknown[] | undefined) => (entries ?? []).map((e) => JSON.stringify(e)));
  const want = new Set(json(wanted));
  return json(controls).filter((e) => want.has(e));
}

async function setup() {
  const dir = workDir(SMALL_POLICIES);
  const emu = await emulator();
  cleanups.push(dir.cleanup, () => emu.close());
  const seed = seedFor(path.join(dir.cwd, 'policies'));
  seed.customers!.find((c) => c.id === 'acme')!.billing_controls = ACME_OWN;
  seed.entities!.find((e) => e.id === 'workspace_a')!.billing_controls = ENTITY_OWN;
  emu.seed(seed);
  return { dir, emu, args: (...a: string[]) => [...a, '--target', 'autumn', '--endpoint', emu.url] };
}

const acmeOf = (emu: AutumnEmulator) => emu.state().customers.find((c) => c.id === 'acme')!.billing_controls;
const entityOf = (emu: AutumnEmulator) => emu.state().entities.find((e) => e.id === 'workspace_a')!.billing_controls;

describe('autumn entries tollgate does not model', () => {
  it('survive byte for byte when tollgate writes and rewrites the same keys of the same customer and entity', async () => {
    const { dir, emu, args } = await setup();
    const before = { acme: surviving(acmeOf(emu), ACME_OWN), entity: surviving(entityOf(emu), ENTITY_OWN) };
    expect(before.acme).toHaveLength(5);
    expect(before.entity).toHaveLength(1);

    const first = await tollgate(args('apply', '--yes'), dir.cwd);
    expect(first.code).toBe(0);
    // tollgate's own alerts, spend limit and top-up went in beside them.
    expect(acmeOf(emu).usage_alerts).toHaveLength(5);
    expect(surviving(acmeOf(emu), ACME_OWN)).toEqual(before.acme);
    expect(surviving(entityOf(emu), ENTITY_OWN)).toEqual(before.entity);

    // A change to acme's alerts, spend limit and top-up, and to the entity's alerts: every key is rewritten.
    dir.write(
      'policies/customers/acme.yaml',
      readFileSync(path.join(dir.cwd, 'policies/customers/acme.yaml'), 'utf8')
        .replace('maxOverageUnits: 5000', 'maxOverageUnits: 6000')
        .replace('threshold: 90,', 'threshold: 85,')
        .replace('threshold: 500, quantity: 1000', 'threshold: 400, quantity: 1000')
        .replace('usageAlerts: [] }', 'usageAlerts: [{ threshold: 70, type: usage_percentage }] }'),
    );
    emu.clearRequests();
    const second = await tollgate(args('apply', '--yes'), dir.cwd);
    expect(second.code).toBe(0);
    const written = emu.requests().filter((r) => r.path.endsWith('.update') && (r.body as { billing_controls?: unknown }).billing_controls);
    expect(written.map((r) => r.path).sort()).toEqual(['/v1/customers.update', '/v1/entities.update']);
    expectSdkValidBodies(emu.requests());
    expect(acmeOf(emu).spend_limits).toContainEqual({ feature_id: 'api_calls', enabled: true, overage_limit: 6000 });
    expect(surviving(acmeOf(emu), ACME_OWN)).toEqual(before.acme);
    expect(surviving(entityOf(emu), ENTITY_OWN)).toEqual(before.entity);
  });

  it('are listed by plan, per object, in text, markdown and the JSON plan', async () => {
    const { dir, emu, args } = await setup();
    expect((await tollgate(args('apply', '--yes'), dir.cwd)).code).toBe(0);

    const text = await tollgate(args('plan'), dir.cwd);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(
      [
        'Not managed by tollgate (kept as they are on every write):',
        '  customer acme',
        '      auto_topups seats: {"feature_id":"seats","enabled":true,"threshold":1,"quantity":5,"invoice_mode":true}',
        '      spend_limits seats: {"feature_id":"seats","enabled":true,"limit_type":"usage_percentage","overage_limit":120}',
        '      usage_alerts api_calls: {"feature_id":"api_calls","enabled":true,"threshold":500,"threshold_type":"remaining","basis":"balance","name":"low balance"}',
        '      usage_alerts api_calls: {"feature_id":"api_calls","enabled":true,"threshold":50,"threshold_type":"usage_percentage","basis":"included"}',
        '      usage_alerts api_calls: {"feature_id":"api_calls","enabled":false,"threshold":90,"threshold_type":"usage_percentage","basis":"usage_limit","filter":{"properties":{"model":"large"}}}',
        '  entity acme/workspace_a',
        '      usage_alerts api_calls: {"feature_id":"api_calls","enabled":true,"threshold":10,"threshold_type":"remaining_percentage","basis":"balance"}',
        '',
        'No changes. The billing system matches the policies.',
        '',
      ].join('\n'),
    );

    const markdown = await tollgate(args('plan', '--format', 'markdown'), dir.cwd);
    expect(markdown.stdout).toContain('<details><summary>Not managed by tollgate (kept as they are on every write): 6 entries</summary>');
    expect(markdown.stdout).toContain('    spend_limits seats: {"feature_id":"seats","enabled":true,"limit_type":"usage_percentage","overage_limit":120}');

    const json = await tollgate(args('plan', '--format', 'json'), dir.cwd);
    const plan = JSON.parse(json.stdout) as { unmanaged: Array<{ key: string; entries: Array<{ key: string; feature?: string; entry: unknown }> }> };
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(planSchema);
    expect(validate(plan), JSON.stringify(validate.errors)).toBe(true);
    expect(plan.unmanaged.map((o) => o.key)).toEqual(['customer:acme', 'entity:acme/workspace_a']);
    expect(plan.unmanaged[0]!.entries.map((e) => e.entry)).toEqual([...ACME_OWN.auto_topups!, ...ACME_OWN.spend_limits!, ...ACME_OWN.usage_alerts!]);
    expect(plan.unmanaged[1]!.entries).toEqual([{ key: 'usage_alerts', feature: 'api_calls', entry: ENTITY_OWN.usage_alerts![0] }]);
  });

  it('are never replaced: one on a feature whose same control the policies set stops the plan at that policy line', async () => {
    const dir = workDir(SMALL_POLICIES);
    const emu = await emulator();
    cleanups.push(dir.cleanup, () => emu.close());
    const seed = seedFor(path.join(dir.cwd, 'policies'));
    // Autumn keeps one spend limit and one top-up per feature; acme's policy sets both on these features.
    const own: BillingControls = {
      spend_limits: [{ feature_id: 'api_calls', enabled: true, limit_type: 'usage_percentage', overage_limit: 150 }],
      auto_topups: [{ feature_id: 'credits', enabled: true, threshold: 100, quantity: 500, invoice_mode: true }],
    };
    seed.customers!.find((c) => c.id === 'acme')!.billing_controls = own;
    emu.seed(seed);
    const args = (...a: string[]) => [...a, '--target', 'autumn', '--endpoint', emu.url];
    const apply = await tollgate(args('apply', '--yes'), dir.cwd);
    expect(apply.code).toBe(1);
    const lines = apply.stderr.split('\n');
    expect(lines).toContain(
      'policies/customers/acme.yaml:7:22  error  customer acme holds an entry in spend_limits for api_calls on target autumn that tollgate does not model: {"feature_id":"api_calls","enabled":true,"limit_type":"usage_percentage","overage_limit":150}. There is one per feature, so writing maxOverageUnits would replace it: remove the entry there, or remove maxOverageUnits here.  unmanaged-conflict',
    );
    expect(lines).toContain(
      'policies/customers/acme.yaml:12:16  error  customer acme holds an entry in auto_topups for credits on target autumn that tollgate does not model: {"feature_id":"credits","enabled":true,"threshold":100,"quantity":500,"invoice_mode":true}. There is one per feature, so writing autoTopup would replace it: remove the entry there, or remove autoTopup here.  unmanaged-conflict',
    );
    expect(lines).toContain('2 controls would replace entries target autumn holds that tollgate does not manage; nothing was planned.');
    expect(emu.requests().filter((r) => r.path.endsWith('.update'))).toEqual([]);
    expect(surviving(acmeOf(emu), own)).toHaveLength(2);
  });

  it('are not replaced by a saved plan made before one appeared: that write is refused, the entry kept', async () => {
    const dir = workDir(SMALL_POLICIES);
    const emu = await emulator();
    cleanups.push(dir.cleanup, () => emu.close());
    emu.seed(seedFor(path.join(dir.cwd, 'policies')));
    const args = (...a: string[]) => [...a, '--target', 'autumn', '--endpoint', emu.url];
    expect((await tollgate(args('plan', '-o', 'plan.json'), dir.cwd)).code).toBe(0);
    const percentage = { feature_id: 'api_calls', enabled: true, limit_type: 'usage_percentage', overage_limit: 150 };
    const set = await call(emu.url, '/v1/customers.update', { customer_id: 'acme', billing_controls: { spend_limits: [percentage] } }, { key: KEY });
    expect(set.status).toBe(200);
    const apply = await tollgate(['apply', '--yes', 'plan.json'], dir.cwd);
    expect(apply.code).toBe(1);
    expect(apply.stdout).toContain('3 applied, 1 failed, 0 not attempted');
    expect(apply.stdout).toContain(`failed customer:acme: customer acme now holds entries tollgate does not manage that this write would replace (spend_limits ${JSON.stringify(percentage)}); nothing was written to it. Run plan again.`);
    expect(acmeOf(emu).spend_limits).toEqual([percentage]);
  });

  it('are found by unmodeledEntries from a read, for import to reuse: own entries only, never the plan\'s', () => {
    const read = {
      usageAlerts: [
        { featureId: 'api_calls', enabled: true, threshold: 5, thresholdType: 'remaining' as const, basis: 'balance' as const },
        { featureId: 'api_calls', enabled: true, threshold: 5, thresholdType: 'remaining' as const, basis: 'balance' as const, source: 'plan' as const },
        { featureId: 'api_calls', enabled: true, threshold: 80, thresholdType: 'usage_percentage' as const, basis: 'balance' as const },
      ],
    };
    expect(unmodeledEntries(read, 'customer')).toEqual([
      { key: 'usage_alerts', feature: 'api_calls', entry: { feature_id: 'api_calls', enabled: true, threshold: 5, threshold_type: 'remaining', basis: 'balance' } },
    ]);
  });
});
