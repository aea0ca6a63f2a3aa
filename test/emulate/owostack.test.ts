import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../src/emulate/common/options.js';
import { startOwostackEmulator, type OwostackEmulator } from '../../src/emulate/owostack/emulator.js';
import { featureId } from '../../src/emulate/owostack/store.js';
import { customerPath, OWOSTACK_ROUTES } from '../../src/targets/owostack/routes.js';
import { call } from './http-helpers.js';

let running: OwostackEmulator[] = [];

async function start(options: EmulatorOptions = {}): Promise<OwostackEmulator> {
  const emulator = await startOwostackEmulator({ port: 0, ...options });
  running.push(emulator);
  return emulator;
}

afterEach(async () => {
  await Promise.all(running.map((emulator) => emulator.close()));
  running = [];
});

const { createCustomer, setFeatureConfig, setOverageLimit } = OWOSTACK_ROUTES;
const read = (emulator: OwostackEmulator, id: string) => call(emulator.baseUrl, customerPath(id), undefined, { method: 'GET' });

describe('owostack emulator', () => {
  it('serves its routes under /v1 of the emulator, like https://sandbox.owostack.com/v1', async () => {
    const emulator = await start();
    expect(emulator.baseUrl).toBe(`${emulator.url}/v1`);
    emulator.seed({ customers: [{ id: 'cust_123' }] });
    expect((await read(emulator, 'cust_123')).status).toBe(200);
    expect((await call(emulator.url, customerPath('cust_123'), undefined, { method: 'GET' })).status).toBe(404);
  });

  it('answers 404 to reading a customer it does not know, and creates none', async () => {
    const emulator = await start();
    const response = await read(emulator, 'cust_123');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ success: false, error: 'Customer not found' });
    expect(emulator.state().customers).toEqual([]);
  });

  it('creates or resolves a customer with POST /customers (email required), then reads it with its billing config', async () => {
    const emulator = await start({ now: () => 1000 });
    const created = await call(emulator.baseUrl, createCustomer.path, { id: 'cust_123', email: 'Billing@acme.com' });
    expect(created.body).toEqual({ success: true, id: 'cust_123', email: 'billing@acme.com', name: 'Billing', metadata: null, createdAt: 1000, updatedAt: 1000 });
    const byEmail = await call(emulator.baseUrl, createCustomer.path, { email: 'billing@acme.com' });
    expect(byEmail.body.id).toBe('cust_123');
    expect((await call(emulator.baseUrl, createCustomer.path, { id: 'x' })).status).toBe(400);
    expect((await read(emulator, 'cust_123')).body).toEqual({ ...created.body, billing: { overageLimit: null, featureConfigs: [] } });
    expect(emulator.requests().map((request) => request.object)).toEqual(['customer/cust_123', null, null, null]);
  });

  it('lists customers newest first with limit (25 by default, at most 100) and offset', async () => {
    const emulator = await start();
    emulator.seed({ customers: Array.from({ length: 30 }, (_, i) => ({ id: `c${String(i).padStart(2, '0')}`, createdAt: i })) });
    const page = await call(emulator.baseUrl, `${OWOSTACK_ROUTES.listCustomers.path}?limit=2&offset=1`, undefined, { method: 'GET' });
    expect(page.body).toEqual({
      success: true,
      data: [
        { id: 'c28', email: null, name: null, createdAt: 28 },
        { id: 'c27', email: null, name: null, createdAt: 27 },
      ],
      total: 30,
      limit: 2,
      offset: 1,
    });
    const all = await call(emulator.baseUrl, `${OWOSTACK_ROUTES.listCustomers.path}?limit=500`, undefined, { method: 'GET' });
    expect([all.body.limit, (all.body.data as unknown[]).length]).toEqual([100, 30]);
    const plain = await call(emulator.baseUrl, OWOSTACK_ROUTES.listCustomers.path, undefined, { method: 'GET' });
    expect([plain.body.limit, plain.body.offset]).toEqual([25, 0]);
  });

  it('sets, reads back (feature as {id, slug}) and clears a feature config; an omitted field is stored as null', async () => {
    const emulator = await start();
    emulator.seed({ customers: [{ id: 'cust_123' }] });
    const set = await call(emulator.baseUrl, setFeatureConfig.path, { customer: 'cust_123', feature: 'api_calls', overage: 'block', maxOverageUnits: 1000 });
    expect(set.status).toBe(200);
    expect((await read(emulator, 'cust_123')).body.billing).toEqual({
      overageLimit: null,
      featureConfigs: [{ feature: { id: featureId('api_calls'), slug: 'api_calls' }, overage: 'block', maxOverageUnits: 1000 }],
    });
    await call(emulator.baseUrl, setFeatureConfig.path, { customer: 'cust_123', feature: 'api_calls', maxOverageUnits: 5 });
    expect(emulator.state().customers[0]?.billing.featureConfigs).toEqual([{ feature: 'api_calls', overage: null, maxOverageUnits: 5 }]);
    await call(emulator.baseUrl, setFeatureConfig.path, { customer: 'cust_123', feature: 'api_calls', overage: null, maxOverageUnits: null });
    expect(emulator.state().customers[0]?.billing.featureConfigs).toEqual([]);
  });

  it('sets and removes the customer-wide overage limit in minor units', async () => {
    const emulator = await start();
    emulator.seed({ customers: [{ id: 'cust_123' }] });
    const set = await call(emulator.baseUrl, setOverageLimit.path, { customer: 'cust_123', maxOverageAmount: 500_000, onLimitReached: 'block' });
    expect((set.body.billing as { overageLimit: unknown }).overageLimit).toEqual({ maxOverageAmount: 500_000, onLimitReached: 'block' });
    await call(emulator.baseUrl, setOverageLimit.path, { customer: 'cust_123', maxOverageAmount: null, onLimitReached: 'block' });
    expect(emulator.state().customers[0]?.billing.overageLimit).toBeNull();
  });

  it('refuses invalid values, caps of 0 included, with {success: false, error: {code, message}}', async () => {
    const emulator = await start();
    emulator.seed({ customers: [{ id: 'cust_123' }] });
    const badOverage = await call(emulator.baseUrl, setFeatureConfig.path, { customer: 'cust_123', feature: 'api_calls', overage: 'allow' });
    expect(badOverage.status).toBe(400);
    expect(badOverage.body).toMatchObject({ success: false, error: { code: 'invalid_request' } });
    expect(JSON.stringify(badOverage.body)).toContain('overage must be');
    const refused = [
      [setOverageLimit.path, { customer: 'cust_123', maxOverageAmount: 10.5, onLimitReached: 'block' }],
      [setOverageLimit.path, { customer: 'cust_123', maxOverageAmount: 0, onLimitReached: 'block' }],
      [setFeatureConfig.path, { customer: 'cust_123', feature: 'a', overage: null, maxOverageUnits: -1 }],
      [setFeatureConfig.path, { customer: 'cust_123', feature: 'a', overage: 'charge', maxOverageUnits: 0 }],
      [setOverageLimit.path, { customer: 'cust_123', maxOverageAmount: 1, onLimitReached: 'stop' }],
      [setOverageLimit.path, { customer: 'cust_123', maxOverageAmount: 1, onLimitReached: 'block', currency: 'USD' }],
    ] as const;
    for (const [path, body] of refused) expect((await call(emulator.baseUrl, path, body)).status, JSON.stringify(body)).toBe(400);
    expect(emulator.state().customers[0]?.billing).toEqual({ overageLimit: null, featureConfigs: [] });
  });

  it('answers 404 to a write for a customer it does not know, and 405 to a wrong method', async () => {
    const emulator = await start();
    const response = await call(emulator.baseUrl, setFeatureConfig.path, { customer: 'ghost', feature: 'api_calls', overage: 'block', maxOverageUnits: null });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ success: false, error: 'Customer not found' });
    expect(emulator.state().customers).toEqual([]);
    expect((await call(emulator.baseUrl, setFeatureConfig.path, undefined, { method: 'GET' })).status).toBe(404);
    expect((await call(emulator.baseUrl, customerPath('c1'), {})).status).toBe(405);
  });

  it('answers 401 with a plain-string error without the configured key', async () => {
    const emulator = await start({ secretKey: 'owo_sk_right' });
    const response = await call(emulator.baseUrl, customerPath('c'), undefined, { key: 'owo_sk_wrong', method: 'GET' });
    expect(response.status).toBe(401);
    expect(response.body.success).toBe(false);
    expect(typeof response.body.error).toBe('string');
  });

  it('honours Idempotency-Key and the rate limit like the Autumn emulator', async () => {
    const emulator = await start({ rateLimit: 3, now: () => 0 });
    emulator.seed({ customers: [{ id: 'c1' }] });
    const headers = { 'idempotency-key': 'k1' };
    const body = { customer: 'c1', feature: 'api_calls', overage: 'charge', maxOverageUnits: 10 };
    expect((await call(emulator.baseUrl, setFeatureConfig.path, body, { headers })).status).toBe(200);
    const repeat = await call(emulator.baseUrl, setFeatureConfig.path, body, { headers });
    expect(repeat.status).toBe(409);
    expect(repeat.body).toMatchObject({ success: false, error: { code: 'duplicate_idempotency_key' } });
    const burst = await Promise.all([1, 2, 3].map(() => read(emulator, 'c1')));
    const limited = burst.filter((response) => response.status === 429);
    expect(limited).toHaveLength(2);
    expect(limited[0]?.headers.get('retry-after')).toBe('1');
  });

  it('keeps its state in a file across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-owostack-'));
    try {
      const statePath = join(dir, 'owostack.json');
      const first = await start({ statePath });
      await call(first.baseUrl, createCustomer.path, { id: 'c1', email: 'c1@example.com' });
      await call(first.baseUrl, setOverageLimit.path, { customer: 'c1', maxOverageAmount: 100, onLimitReached: 'notify' });
      await first.close();
      const second = await start({ statePath });
      expect((await read(second, 'c1')).body.billing).toEqual({ overageLimit: { maxOverageAmount: 100, onLimitReached: 'notify' }, featureConfigs: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
