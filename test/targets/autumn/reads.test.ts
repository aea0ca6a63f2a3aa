// How the Autumn target reads: in bulk with customers.list, own entries only, and the managed set from Autumn itself.
import { afterEach, describe, expect, it } from 'vitest';
import type { AutumnEmulator } from '../../../src/emulate/autumn/emulator.js';
import path from 'node:path';
import type { CliIO } from '../../../src/cli/io.js';
import { makePlan } from '../../../src/cli/pipeline.js';
import { AutumnTarget } from '../../../src/targets/autumn/autumn-target.js';
import { analyze } from '../../../src/validate/index.js';
import { emulator, KEY, seedFor, SMALL_POLICIES, workDir } from './helpers.js';

const silentIO: CliIO = { out: () => {}, err: () => {}, env: {}, stdinIsTTY: false, stderrIsTTY: false, color: false, colorErr: false, ask: async () => 'no' };

let running: AutumnEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.map((e) => e.close()));
  running = [];
});

async function start(): Promise<AutumnEmulator> {
  const emu = await emulator({ rateLimit: 0, maxLoggedRequests: 100_000 });
  running.push(emu);
  emu.seed({ plans: [{ id: 'pro', billing_controls: { usage_alerts: [{ feature_id: 'api_calls', enabled: true, threshold: 80, threshold_type: 'usage_percentage', basis: 'balance' }] } }] });
  return emu;
}

const target = (emu: AutumnEmulator) => new AutumnTarget({ secretKey: KEY, endpoint: emu.url, rateLimit: 1000, lockPath: '/dev/null' });

/** `customers` customers on plan pro, each with entities w0..w{entities-1} that set a spend limit. */
function entityFleet(customers: number, entities: number): Record<string, string> {
  const docs = Array.from({ length: customers }, (_, i) =>
    [`kind: Customer`, `id: c${i}`, `plan: pro`, `entities:`, ...Array.from({ length: entities }, (_, j) => `  w${j}: { controls: { api_calls: { maxOverageUnits: ${i + j} } } }`)].join('\n'),
  );
  return {
    'policies/features.yaml': SMALL_POLICIES['policies/features.yaml']!,
    'policies/plans/pro.yaml': SMALL_POLICIES['policies/plans/pro.yaml']!,
    'policies/customers.yaml': docs.join('\n---\n') + '\n',
  };
}

describe('autumn reads', () => {
  it('plans 1,000 customers with 3 entities each in a handful of reads: entities.list, never entities.get one by one', async () => {
    const dir = workDir(entityFleet(1000, 3));
    const emu = await start();
    try {
      const policies = path.join(dir.cwd, 'policies');
      emu.seed(seedFor(policies));
      // Half of them managed already, so the managed set names entities too.
      emu.seed({ customers: Array.from({ length: 500 }, (_, i) => ({ id: `c${i}`, plan_id: 'pro', metadata: { tollgate_managed: 'v1 w0 w1 w2' } })) });
      emu.clearRequests();
      const plan = await makePlan(analyze(policies), target(emu), silentIO);
      expect(plan.objects.filter((o) => o.ref.kind === 'entity')).toHaveLength(3000);
      const reads = emu.requests().map((r) => r.path);
      expect(reads.filter((p) => p === '/v1/entities.get')).toEqual([]);
      expect(reads.filter((p) => p === '/v1/customers.get')).toEqual([]);
      expect(reads.length).toBeLessThanOrEqual(24);
      // The catalog check's plans.list also holds the plan's controls: no plans.get.
      expect(reads.sort()).toEqual(['/v1/customers.list', '/v1/entities.list', '/v1/features.list', '/v1/plans.list']);
    } finally {
      dir.cleanup();
    }
  });

  it('lists the entities of a few customers one customer at a time, every page of each', async () => {
    const emu = await start();
    emu.seed({
      customers: [{ id: 'a', plan_id: 'pro' }, { id: 'b', plan_id: 'pro' }],
      entities: ['a', 'b'].flatMap((customer) => Array.from({ length: 5 }, (_, j) => ({ customer_id: customer, id: `w${j}`, billing_controls: { overage_allowed: [{ feature_id: 'api_calls', enabled: j % 2 === 0 }] } }))),
    });
    emu.clearRequests();
    const t = new AutumnTarget({ secretKey: KEY, endpoint: emu.url, rateLimit: 1000, lockPath: '/dev/null', entityPageSize: 2 });
    const live = await t.read(['entity:a/w0', 'entity:a/w3', 'entity:b/w1']);
    expect(live.get('entity:a/w3')).toEqual({ controls: { features: { api_calls: { overage: 'block' } } } });
    expect(live.get('entity:b/w1')).toEqual({ controls: { features: { api_calls: { overage: 'block' } } } });
    const bodies = emu.requests().map((r) => r.body as { customer_id?: string });
    expect(emu.requests().every((r) => r.path === '/v1/entities.list')).toBe(true);
    expect(bodies.filter((b) => b.customer_id === 'a')).toHaveLength(3);
    expect(bodies.filter((b) => b.customer_id === 'b')).toHaveLength(3);
  });

  it('reads 10,000 managed customers with a handful of customers.list pages, not 10,000 calls', async () => {
    const emu = await start();
    emu.seed({
      customers: Array.from({ length: 10_000 }, (_, i) => ({
        id: `c${i}`,
        plan_id: 'pro',
        metadata: { tollgate_managed: 'v1', crm: 'x' },
        billing_controls: { spend_limits: [{ feature_id: 'api_calls', enabled: true, overage_limit: i }] },
      })),
    });
    const t = target(emu);
    emu.clearRequests();
    const managed = await t.managedKeys();
    expect(managed).toHaveLength(10_000);
    const live = await t.read(managed);
    expect(live.get('customer:c42')).toEqual({ controls: { features: { api_calls: { maxOverageUnits: 42 } } }, plan: 'pro', marker: 'v1' });
    const paths = emu.requests().map((r) => r.path);
    expect(paths.every((p) => p === '/v1/customers.list')).toBe(true);
    expect(paths).toHaveLength(10);
  });

  it('gets a few customers one by one, and many by listing', async () => {
    const emu = await start();
    emu.seed({ customers: Array.from({ length: 120 }, (_, i) => ({ id: `c${i}`, plan_id: 'pro' })) });
    emu.clearRequests();
    await target(emu).read(['customer:c1', 'customer:c2', 'plan:pro']);
    expect(emu.requests().map((r) => r.path).sort()).toEqual(['/v1/customers.get', '/v1/customers.get', '/v1/plans.list']);
    emu.clearRequests();
    const many = await target(emu).read(Array.from({ length: 120 }, (_, i) => `customer:c${i}`));
    expect([...many.values()].every((v) => v === null)).toBe(true);
    expect(emu.requests().map((r) => r.path)).toEqual(['/v1/customers.list']);
  });

  it('reads only an object\'s own entries: those inherited from the plan are not its controls', async () => {
    const emu = await start();
    emu.seed({
      customers: [{ id: 'acme', plan_id: 'pro', billing_controls: { overage_allowed: [{ feature_id: 'api_calls', enabled: false }] } }],
      entities: [{ customer_id: 'acme', id: 'w', billing_controls: { spend_limits: [{ feature_id: 'api_calls', enabled: false }] } }],
    });
    const live = await target(emu).read(['customer:acme', 'entity:acme/w', 'plan:pro']);
    expect(live.get('customer:acme')).toEqual({ controls: { features: { api_calls: { overage: 'block' } } }, plan: 'pro' });
    expect(live.get('entity:acme/w')).toEqual({ controls: { features: { api_calls: { maxOverageUnits: 'unlimited' } } }, plan: 'pro' });
    expect(live.get('plan:pro')).toEqual({ controls: { features: { api_calls: { usageAlerts: [{ type: 'usage_percentage', threshold: 80, enabled: true }] } } } });
  });

  it('finds managed entities through their customer\'s marker; one deleted since is simply gone', async () => {
    const emu = await start();
    emu.seed({
      customers: [{ id: 'acme', plan_id: 'pro', metadata: { tollgate_managed: 'v1 w gone' } }, { id: 'manual', plan_id: 'pro', billing_controls: { overage_allowed: [{ feature_id: 'api_calls', enabled: true }] } }],
      entities: [{ customer_id: 'acme', id: 'w', billing_controls: { overage_allowed: [{ feature_id: 'api_calls', enabled: true }] } }],
    });
    const t = target(emu);
    const managed = await t.managedKeys();
    expect(managed).toEqual(['customer:acme', 'entity:acme/gone', 'entity:acme/w']);
    const live = await t.read(managed);
    expect(live.get('entity:acme/gone')).toBeNull();
    expect(live.get('entity:acme/w')).not.toBeNull();
  });

  it('names every object the policies want that Autumn does not have', async () => {
    const emu = await start();
    emu.seed({ customers: [{ id: 'acme', plan_id: 'pro' }] });
    await expect(target(emu).read(['customer:acme', 'customer:cust_x', 'entity:acme/ws_9', 'plan:enterprise'])).rejects.toThrow(
      /Autumn has none of these 3 objects[\s\S]*create cust_x in Autumn first[\s\S]*create entity ws_9 under customer acme in Autumn first[\s\S]*tollgate never creates plans: create enterprise/,
    );
  });
});
