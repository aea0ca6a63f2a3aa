import { GetEntityResponse$inboundSchema } from 'autumn-js';
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

describe('autumn emulator: auth and errors', () => {
  it("answers 401 without a key or with the wrong key, in Autumn's error shape", async () => {
    const emulator = await start({ secretKey: 'am_sk_test_right' });
    const missing = await call(emulator.url, '/v1/customers.get', { customer_id: 'c1' }, { key: null });
    const wrong = await call(emulator.url, '/v1/customers.get', { customer_id: 'c1' }, { key: 'am_sk_test_wrong' });
    expect(missing.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(Object.keys(wrong.body).sort()).toEqual(['code', 'env', 'message']);
    const right = await call(emulator.url, '/v1/customers.get', { customer_id: 'c1' }, { key: 'am_sk_test_right' });
    expect(right.status).toBe(404);
  });

  it('answers 404 customer_not_found and entity_not_found for unknown objects', async () => {
    const emulator = await start();
    emulator.seed({ customers: [{ id: 'c1' }] });
    const customer = await call(emulator.url, '/v1/customers.get', { customer_id: 'nope' });
    expect(customer.status).toBe(404);
    expect(customer.body).toMatchObject({ code: 'customer_not_found', env: 'sandbox' });
    const entity = await call(emulator.url, '/v1/entities.get', { customer_id: 'c1', entity_id: 'nope' });
    expect(entity.status).toBe(404);
    expect(entity.body.code).toBe('entity_not_found');
    const update = await call(emulator.url, '/v1/customers.update', { customer_id: 'nope', billing_controls: {} });
    expect(update.body.code).toBe('customer_not_found');
  });

  it('names the path of each invalid field in a 400 invalid_inputs message', async () => {
    const emulator = await start();
    emulator.seed({ customers: [{ id: 'c1' }] });
    const response = await call(emulator.url, '/v1/customers.update', {
      customer_id: 'c1',
      billing_controls: { spend_limits: [{ feature_id: 'api_calls', enabled: true, overage_limit: 'lots' }] },
    });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('invalid_inputs');
    expect(response.body.message).toContain('billing_controls.spend_limits[0].overage_limit: Expected number');
  });

  it('refuses camelCase keys on the wire as unrecognized', async () => {
    const emulator = await start();
    emulator.seed({ customers: [{ id: 'c1' }] });
    const response = await call(emulator.url, '/v1/customers.update', {
      customer_id: 'c1',
      billing_controls: { overage_allowed: [{ feature_id: 'api_calls', featureId: 'x', enabled: true }] },
    });
    expect(response.status).toBe(400);
    expect(response.body.message).toContain('billing_controls.overage_allowed[0].featureId: Unrecognized key');
  });
});

describe('autumn emulator: billing controls', () => {
  it('creates customers with get_or_create and returns the same one afterwards', async () => {
    const emulator = await start();
    const created = await call(emulator.url, '/v1/customers.get_or_create', { customer_id: 'c1', name: 'Acme' });
    expect(created.status).toBe(200);
    const again = await call(emulator.url, '/v1/customers.get_or_create', { customer_id: 'c1', name: 'Other' });
    expect(again.body.name).toBe('Acme');
    expect(emulator.state().customers.map((customer) => customer.id)).toEqual(['c1']);
  });

  it('replaces each key sent, leaves keys not sent, and clears a key sent as []', async () => {
    const emulator = await start();
    emulator.seed({ customers: [{ id: 'c1' }] });
    const update = (billing_controls: unknown) =>
      call(emulator.url, '/v1/customers.update', { customer_id: 'c1', billing_controls });
    await update({
      spend_limits: [{ feature_id: 'api_calls', enabled: true, overage_limit: 5000 }],
      usage_alerts: [{ feature_id: 'api_calls', threshold: 80, threshold_type: 'usage_percentage', enabled: true }],
    });
    const second = await update({
      usage_alerts: [{ feature_id: 'api_calls', threshold: 900, threshold_type: 'usage', enabled: true }],
    });
    expect(second.status).toBe(200);
    expect(list(second.body, 'billing_controls', 'spend_limits')).toMatchObject([
      { feature_id: 'api_calls', overage_limit: 5000 },
    ]);
    expect(list(second.body, 'billing_controls', 'usage_alerts')).toMatchObject([
      { threshold: 900, threshold_type: 'usage' },
    ]);
    const cleared = await update({ spend_limits: [] });
    expect(list(cleared.body, 'billing_controls', 'spend_limits')).toEqual([]);
    expect(emulator.state().customers[0]?.billing_controls).toEqual({
      usage_alerts: [
        { feature_id: 'api_calls', threshold: 900, threshold_type: 'usage', enabled: true, basis: 'balance' },
      ],
    });
  });

  it('allows one entry per feature in overage_allowed, spend_limits and auto_topups', async () => {
    const emulator = await start();
    emulator.seed({ customers: [{ id: 'c1' }] });
    const twice = [
      { feature_id: 'api_calls', enabled: true },
      { feature_id: 'api_calls', enabled: false },
    ];
    const response = await call(emulator.url, '/v1/customers.update', {
      customer_id: 'c1',
      billing_controls: { overage_allowed: twice },
    });
    expect(response.status).toBe(400);
    expect(response.body.message).toContain(
      "billing_controls.overage_allowed[1].feature_id: Duplicate entry for feature 'api_calls'",
    );
    expect(emulator.state().customers[0]?.billing_controls).toEqual({});
  });

  it('checks purchase limits and percentage thresholds', async () => {
    const emulator = await start();
    emulator.seed({ customers: [{ id: 'c1' }] });
    const topup = (purchase_limit: unknown) => ({
      feature_id: 'credits',
      enabled: true,
      threshold: 500,
      quantity: 1000,
      purchase_limit,
    });
    const badInterval = await call(emulator.url, '/v1/customers.update', {
      customer_id: 'c1',
      billing_controls: { auto_topups: [topup({ interval: 'year', interval_count: 1, limit: 5 })] },
    });
    expect(badInterval.body.message).toContain(
      'billing_controls.auto_topups[0].purchase_limit.interval: Invalid enum value',
    );
    const badCount = await call(emulator.url, '/v1/customers.update', {
      customer_id: 'c1',
      billing_controls: { auto_topups: [topup({ interval: 'month', interval_count: 0, limit: 2.5 })] },
    });
    expect(badCount.body.message).toContain('purchase_limit.interval_count: Must be a positive integer');
    expect(badCount.body.message).toContain('purchase_limit.limit: Must be a positive integer');
    const badPercent = await call(emulator.url, '/v1/customers.update', {
      customer_id: 'c1',
      billing_controls: {
        usage_alerts: [{ feature_id: 'api_calls', threshold: 120, threshold_type: 'usage_percentage' }],
      },
    });
    expect(badPercent.status).toBe(400);
    expect(badPercent.body.message).toContain(
      'billing_controls.usage_alerts[0].threshold: A usage_percentage threshold must be between 0 and 100',
    );
    const good = await call(emulator.url, '/v1/customers.update', {
      customer_id: 'c1',
      billing_controls: { auto_topups: [topup({ interval: 'month', interval_count: 1, limit: 5 })] },
    });
    expect(good.status).toBe(200);
  });

  it('refuses auto_topups on entities', async () => {
    const emulator = await start();
    emulator.seed({ customers: [{ id: 'c1' }], entities: [{ customer_id: 'c1', id: 'ws_a' }] });
    const response = await call(emulator.url, '/v1/entities.update', {
      customer_id: 'c1',
      entity_id: 'ws_a',
      billing_controls: { auto_topups: [{ feature_id: 'credits', enabled: true, threshold: 1, quantity: 1 }] },
    });
    expect(response.status).toBe(400);
    expect(response.body.message).toMatch(/^billing_controls\.auto_topups: Auto top-ups can only be set on customers/);
    const created = await call(emulator.url, '/v1/entities.create', {
      customer_id: 'c1',
      entity_id: 'ws_b',
      feature_id: 'workspaces',
      billing_controls: { auto_topups: [] },
    });
    expect(created.status).toBe(400);
  });

  it('creates entities and updates their controls with the same replace-per-key rule', async () => {
    const emulator = await start();
    emulator.seed({ customers: [{ id: 'c1' }] });
    const created = await call(emulator.url, '/v1/entities.create', {
      customer_id: 'c1',
      entity_id: 'ws_a',
      feature_id: 'workspaces',
    });
    expect(created.status).toBe(200);
    const duplicate = await call(emulator.url, '/v1/entities.create', {
      customer_id: 'c1',
      entity_id: 'ws_a',
      feature_id: 'workspaces',
    });
    expect(duplicate.status).toBe(409);
    const updated = await call(emulator.url, '/v1/entities.update', {
      customer_id: 'c1',
      entity_id: 'ws_a',
      billing_controls: { spend_limits: [{ feature_id: 'api_calls', enabled: true, overage_limit: 2000 }] },
    });
    expect(list(updated.body, 'billing_controls', 'spend_limits')).toMatchObject([{ overage_limit: 2000 }]);
    const read = await call(
      emulator.url,
      '/v1/entities.get',
      { customer_id: 'c1', entity_id: 'ws_a' },
      { headers: V23 },
    );
    expect(GetEntityResponse$inboundSchema.safeParse(read.body).success).toBe(true);
  });
});

describe('autumn emulator: idempotency, rate limit and request log', () => {
  it('processes the first request with an Idempotency-Key and answers 409 to a repeat', async () => {
    const emulator = await start();
    emulator.seed({ customers: [{ id: 'c1' }] });
    const body = {
      customer_id: 'c1',
      billing_controls: { overage_allowed: [{ feature_id: 'api_calls', enabled: true }] },
    };
    const headers = { 'idempotency-key': 'change-1' };
    const first = await call(emulator.url, '/v1/customers.update', body, { headers });
    const repeat = await call(emulator.url, '/v1/customers.update', body, { headers });
    expect(first.status).toBe(200);
    expect(repeat.status).toBe(409);
    expect(repeat.body).toMatchObject({ code: 'duplicate_idempotency_key', env: 'sandbox' });
    expect(emulator.requests().filter((request) => request.stored)).toHaveLength(1);
  });

  it('lets a key be retried when the first attempt failed', async () => {
    const emulator = await start();
    emulator.seed({ customers: [{ id: 'c1' }] });
    const headers = { 'idempotency-key': 'change-2' };
    const bad = await call(
      emulator.url,
      '/v1/customers.update',
      { customer_id: 'c1', billing_controls: { spend_limits: 'x' } },
      { headers },
    );
    expect(bad.status).toBe(400);
    const good = await call(
      emulator.url,
      '/v1/customers.update',
      { customer_id: 'c1', billing_controls: {} },
      { headers },
    );
    expect(good.status).toBe(200);
  });

  it('answers 429 with Retry-After past the per-organisation rate', async () => {
    const frozen = 1_700_000_000_000;
    const emulator = await start({ rateLimit: 5, now: () => frozen });
    emulator.seed({ customers: [{ id: 'c1' }] });
    const burst = await Promise.all(
      Array.from({ length: 8 }, () => call(emulator.url, '/v1/customers.get', { customer_id: 'c1' })),
    );
    const limited = burst.filter((response) => response.status === 429);
    expect(burst.filter((response) => response.status === 200)).toHaveLength(5);
    expect(limited).toHaveLength(3);
    expect(limited[0]?.body.code).toBe('rate_limit_exceeded');
    expect(Number(limited[0]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const otherOrganisation = await call(
      emulator.url,
      '/v1/customers.get',
      { customer_id: 'c1' },
      { key: 'sk_other_org' },
    );
    expect(otherOrganisation.status).toBe(200);
  });

  it('logs each request without its Authorization header and names the object written', async () => {
    const emulator = await start();
    emulator.seed({ customers: [{ id: 'c1' }], entities: [{ customer_id: 'c1', id: 'ws_a' }] });
    await call(emulator.url, '/v1/customers.update', { customer_id: 'c1', billing_controls: {} });
    await call(emulator.url, '/v1/entities.update', { customer_id: 'c1', entity_id: 'ws_a', billing_controls: {} });
    await call(emulator.url, '/v1/customers.get', { customer_id: 'c1' });
    const log = emulator.requests();
    expect(log.map((request) => [request.path, request.status, request.object])).toEqual([
      ['/v1/customers.update', 200, 'customer/c1'],
      ['/v1/entities.update', 200, 'entity/c1/ws_a'],
      ['/v1/customers.get', 200, null],
    ]);
    expect(log.every((request) => request.headers.authorization === undefined)).toBe(true);
    expect(log[0]?.body).toEqual({ customer_id: 'c1', billing_controls: {} });
    // The kind of check a target test makes: no object written twice with different content.
    const bodies = new Map<string, Set<string>>();
    for (const request of log.filter((entry) => entry.stored && entry.object !== null)) {
      const seen = bodies.get(request.object ?? '') ?? new Set<string>();
      seen.add(JSON.stringify(request.body));
      bodies.set(request.object ?? '', seen);
    }
    expect([...bodies.values()].every((seen) => seen.size === 1)).toBe(true);
  });
});
