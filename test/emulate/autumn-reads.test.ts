import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Autumn, GetCustomerResponse$inboundSchema, ListCustomersResponse$inboundSchema, ListEntitiesResponse$inboundSchema } from 'autumn-js';
import { afterEach, describe, expect, it } from 'vitest';
import { startAutumnEmulator, type AutumnEmulator } from '../../src/emulate/autumn/emulator.js';
import type { EmulatorOptions } from '../../src/emulate/common/options.js';
import { call, list } from './http-helpers.js';

const V23 = { 'x-api-version': '2.3.0' };
let running: AutumnEmulator[] = [];

async function start(options: EmulatorOptions = {}): Promise<AutumnEmulator> {
  const emulator = await startAutumnEmulator({ port: 0, ...options });
  running.push(emulator);
  return emulator;
}

afterEach(async () => {
  await Promise.all(running.map((emulator) => emulator.close()));
  running = [];
});

describe('autumn emulator: state file', () => {
  it('persists every write atomically and reloads it, idempotency keys included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-autumn-'));
    try {
      const statePath = join(dir, 'autumn.json');
      const first = await start({ statePath });
      await call(first.url, '/v1/customers.get_or_create', { customer_id: 'c1' });
      const headers = { 'idempotency-key': 'k1' };
      await call(
        first.url,
        '/v1/customers.update',
        {
          customer_id: 'c1',
          billing_controls: { spend_limits: [{ feature_id: 'a', enabled: true, overage_limit: 7 }] },
        },
        { headers },
      );
      await first.close();
      expect(readdirSync(dir)).toEqual(['autumn.json']);
      const second = await start({ statePath });
      expect(second.state()).toEqual(first.state());
      const read = await call(second.url, '/v1/customers.get', { customer_id: 'c1' });
      expect(list(read.body, 'billing_controls', 'spend_limits')).toMatchObject([
        { feature_id: 'a', overage_limit: 7 },
      ]);
      const repeat = await call(
        second.url,
        '/v1/customers.update',
        { customer_id: 'c1', billing_controls: {} },
        { headers },
      );
      expect(repeat.status).toBe(409);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('autumn emulator: responses parse with the SDK', () => {
  it('serves customers.get in the shape GetCustomerResponse expects', async () => {
    const emulator = await start();
    emulator.seed({
      customers: [{ id: 'c1', billing_controls: { overage_allowed: [{ feature_id: 'a', enabled: true }] } }],
    });
    const read = await call(emulator.url, '/v1/customers.get', { customer_id: 'c1' }, { headers: V23 });
    expect(GetCustomerResponse$inboundSchema.safeParse(read.body).success).toBe(true);
  });

  it('works behind autumn-js for customers.update and entities.update', async () => {
    const emulator = await start({ secretKey: 'am_sk_test_sdk' });
    emulator.seed({
      customers: [{ id: 'org_123' }],
      entities: [{ customer_id: 'org_123', id: 'workspace_a', feature_id: 'workspaces' }],
    });
    const autumn = new Autumn({ secretKey: 'am_sk_test_sdk', serverURL: emulator.url, xApiVersion: '2.3.0' });
    const customer = await autumn.customers.update({
      customerId: 'org_123',
      billingControls: {
        overageAllowed: [{ featureId: 'api_calls', enabled: true }],
        spendLimits: [{ featureId: 'api_calls', enabled: true, overageLimit: 5000 }],
        usageAlerts: [{ featureId: 'api_calls', threshold: 80, thresholdType: 'usage_percentage', enabled: true }],
        autoTopups: [
          {
            featureId: 'credits',
            enabled: true,
            threshold: 500,
            quantity: 1000,
            purchaseLimit: { interval: 'month', intervalCount: 1, limit: 5 },
          },
        ],
      },
    });
    expect(customer.billingControls.spendLimits).toMatchObject([
      { featureId: 'api_calls', overageLimit: 5000, source: 'customer' },
    ]);
    const entity = await autumn.entities.update({
      customerId: 'org_123',
      entityId: 'workspace_a',
      billingControls: { spendLimits: [{ featureId: 'api_calls', enabled: true, overageLimit: 2000 }] },
    });
    expect(entity.billingControls?.spendLimits).toMatchObject([{ featureId: 'api_calls', overageLimit: 2000 }]);
    const read = await autumn.customers.get({ customerId: 'org_123' });
    expect(read.billingControls.autoTopups).toMatchObject([
      { featureId: 'credits', purchaseLimit: { interval: 'month', limit: 5 } },
    ]);
    const entityRead = await autumn.entities.get({ customerId: 'org_123', entityId: 'workspace_a' });
    expect(entityRead.billingControls?.spendLimits).toHaveLength(1);
  });
});

describe('autumn emulator: plan-level controls', () => {
  const planControls = {
    overage_allowed: [{ feature_id: 'api_calls', enabled: false }],
    usage_alerts: [
      { feature_id: 'api_calls', threshold: 80, threshold_type: 'usage_percentage', enabled: true, basis: 'balance' },
    ],
    auto_topups: [{ feature_id: 'credits', enabled: true, threshold: 100, quantity: 500 }],
  };

  it('shows plan-inherited entries marked source "plan" beside the customer\'s own on 2.3.0', async () => {
    const emulator = await start();
    emulator.seed({
      plans: [{ id: 'pro', billing_controls: planControls }],
      customers: [
        {
          id: 'c1',
          plan_id: 'pro',
          billing_controls: { overage_allowed: [{ feature_id: 'api_calls', enabled: true }] },
        },
      ],
    });
    const read = await call(emulator.url, '/v1/customers.get', { customer_id: 'c1' }, { headers: V23 });
    // The customer's own overage entry overrides the plan's for that feature.
    expect(list(read.body, 'billing_controls', 'overage_allowed')).toEqual([
      { feature_id: 'api_calls', enabled: true, source: 'customer' },
    ]);
    expect(list(read.body, 'billing_controls', 'usage_alerts')).toMatchObject([{ threshold: 80, source: 'plan' }]);
    expect(list(read.body, 'billing_controls', 'auto_topups')).toMatchObject([
      { feature_id: 'credits', source: 'plan' },
    ]);
    expect(GetCustomerResponse$inboundSchema.safeParse(read.body).success).toBe(true);
  });

  it('leaves plan entries and sources out before 2.3.0', async () => {
    const emulator = await start();
    emulator.seed({
      plans: [{ id: 'pro', billing_controls: planControls }],
      customers: [{ id: 'c1', plan_id: 'pro' }],
    });
    const read = await call(
      emulator.url,
      '/v1/customers.get',
      { customer_id: 'c1' },
      { headers: { 'x-api-version': '2.2.0' } },
    );
    expect(list(read.body, 'billing_controls', 'usage_alerts')).toEqual([]);
  });

  it('shows plan entries on entities too, except auto top-ups, and own entries without a source', async () => {
    const emulator = await start();
    emulator.seed({
      plans: [{ id: 'pro', billing_controls: planControls }],
      customers: [{ id: 'c1', plan_id: 'pro' }],
      entities: [
        {
          customer_id: 'c1',
          id: 'ws_a',
          billing_controls: { spend_limits: [{ feature_id: 'api_calls', enabled: true, overage_limit: 10 }] },
        },
      ],
    });
    const read = await call(
      emulator.url,
      '/v1/entities.get',
      { customer_id: 'c1', entity_id: 'ws_a' },
      { headers: V23 },
    );
    const controls = read.body.billing_controls as Record<string, unknown>;
    expect(controls.auto_topups).toBeUndefined();
    expect(list(controls, 'spend_limits')).toEqual([{ feature_id: 'api_calls', enabled: true, overage_limit: 10 }]);
    expect(list(controls, 'overage_allowed')).toMatchObject([
      { feature_id: 'api_calls', enabled: false, source: 'plan' },
    ]);
  });

  it("sets and reads a plan's billing_controls through plans.update and plans.get", async () => {
    const emulator = await start();
    emulator.seed({ plans: [{ id: 'pro' }], customers: [{ id: 'c1', plan_id: 'pro' }] });
    const updated = await call(emulator.url, '/v1/plans.update', {
      plan_id: 'pro',
      billing_controls: { spend_limits: [{ feature_id: 'api_calls', enabled: true, overage_limit: 100 }] },
    });
    expect(updated.status).toBe(200);
    const plan = await call(emulator.url, '/v1/plans.get', { plan_id: 'pro' });
    expect(list(plan.body, 'billing_controls', 'spend_limits')).toEqual([
      { feature_id: 'api_calls', enabled: true, overage_limit: 100 },
    ]);
    const customer = await call(emulator.url, '/v1/customers.get', { customer_id: 'c1' }, { headers: V23 });
    expect(list(customer.body, 'billing_controls', 'spend_limits')).toMatchObject([
      { overage_limit: 100, source: 'plan' },
    ]);
    const missing = await call(emulator.url, '/v1/plans.get', { plan_id: 'nope' });
    expect(missing.status).toBe(404);
  });
});

describe('autumn emulator: customers.list', () => {
  it('pages with start_cursor and next_cursor until every customer was seen once', async () => {
    const emulator = await start({ now: () => 1_000 });
    const ids = ['c5', 'c1', 'c7', 'c3', 'c2', 'c6', 'c4'];
    emulator.seed({ customers: ids.map((id) => ({ id })) });
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page = await call(emulator.url, '/v1/customers.list', {
        start_cursor: cursor,
        limit: 3,
        sort_order: 'asc',
      });
      expect(ListCustomersResponse$inboundSchema.safeParse(page.body).success).toBe(true);
      const items = list(page.body, 'list');
      pageSizes.push(items.length);
      seen.push(...items.map((item) => String(item.id)));
      cursor = page.body.next_cursor as string | null;
    }
    expect(pageSizes).toEqual([3, 3, 1]);
    expect(seen).toEqual([...ids].sort());
  });

  it('refuses a limit above 5000 and an unknown cursor', async () => {
    const emulator = await start();
    expect((await call(emulator.url, '/v1/customers.list', { limit: 5001 })).status).toBe(400);
    expect((await call(emulator.url, '/v1/customers.list', { start_cursor: 'garbage' })).status).toBe(400);
  });

  it('pages through autumn-js as well', async () => {
    const emulator = await start();
    emulator.seed({
      customers: [
        { id: 'a', created_at: 1 },
        { id: 'b', created_at: 2 },
        { id: 'c', created_at: 3 },
      ],
    });
    const autumn = new Autumn({ secretKey: 'am_sk_test_x', serverURL: emulator.url });
    const first = await autumn.customers.list({ limit: 2 });
    expect(first.list.map((customer) => customer.id)).toEqual(['c', 'b']);
    const second = await autumn.customers.list({ limit: 2, startCursor: first.nextCursor ?? '' });
    expect(second.list.map((customer) => customer.id)).toEqual(['a']);
    expect(second.nextCursor).toBeNull();
  });
});

describe('autumn emulator: entities.list', () => {
  /** Two customers whose entities share ids, created at the same instant: the cursor must still tell them apart. */
  async function fleet(options: EmulatorOptions = {}): Promise<AutumnEmulator> {
    const emulator = await start({ now: () => 1_000, ...options });
    emulator.seed({
      customers: [{ id: 'a' }, { id: 'b' }],
      entities: ['a', 'b'].flatMap((customer) =>
        ['w1', 'w2', 'w3'].map((id) => ({
          customer_id: customer,
          id,
          billing_controls: { spend_limits: [{ feature_id: 'api', enabled: true, overage_limit: id.length }] },
        })),
      ),
    });
    return emulator;
  }

  it('pages every entity once, newest first, with their billing_controls, as autumn-js parses them', async () => {
    const emulator = await fleet();
    const seen: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page = await call(emulator.url, '/v1/entities.list', { start_cursor: cursor, limit: 4 }, { headers: V23 });
      expect(page.status).toBe(200);
      expect(ListEntitiesResponse$inboundSchema.safeParse(page.body).success).toBe(true);
      const items = list(page.body, 'list');
      expect(items.every((item) => Array.isArray((item.billing_controls as { spend_limits?: unknown }).spend_limits))).toBe(true);
      seen.push(...items.map((item) => `${String(item.customer_id)}/${String(item.id)}`));
      cursor = page.body.next_cursor as string | null;
    }
    expect(seen).toEqual(['b/w3', 'b/w2', 'b/w1', 'a/w3', 'a/w2', 'a/w1']);
  });

  it('restricts the listing to one customer with customer_id, through autumn-js as well', async () => {
    const emulator = await fleet();
    const autumn = new Autumn({ secretKey: 'am_sk_test_x', serverURL: emulator.url });
    const page = await autumn.entities.list({ customerId: 'a', limit: 2 });
    expect(page.list.map((e) => `${e.customerId}/${e.id}`)).toEqual(['a/w3', 'a/w2']);
    const rest = await autumn.entities.list({ customerId: 'a', limit: 2, startCursor: page.nextCursor ?? '' });
    expect(rest.list.map((e) => e.id)).toEqual(['w1']);
    expect(rest.nextCursor).toBeNull();
  });

  it('refuses a limit outside 1..5000 and an unknown cursor, and counts against the rate limit like every route', async () => {
    const emulator = await fleet({ rateLimit: 2 });
    expect((await call(emulator.url, '/v1/entities.list', { limit: 5001 })).status).toBe(400);
    expect((await call(emulator.url, '/v1/entities.list', { start_cursor: 'garbage' })).status).toBe(400);
    expect((await call(emulator.url, '/v1/entities.list', {})).status).toBe(429);
  });

  it('takes injected faults like every route', async () => {
    const emulator = await fleet({ faultRate: 1, faultKinds: ['server_error'] });
    const answer = await call(emulator.url, '/v1/entities.list', {});
    expect(answer.status).toBe(500);
    expect(emulator.requests().map((r) => r.fault)).toEqual(['server_error']);
  });
});
