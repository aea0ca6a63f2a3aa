import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../src/emulate/common/options.js';
import { startOwostackEmulator, type OwostackEmulator } from '../../src/emulate/owostack/emulator.js';
import { OWOSTACK_ROUTES } from '../../src/emulate/owostack/routes.js';
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

const { customer, setFeatureConfig, setOverageLimit } = OWOSTACK_ROUTES;

describe('owostack emulator', () => {
  it('serves its routes under /v1 of the emulator, like https://api.owostack.com/v1', async () => {
    const emulator = await start();
    expect(emulator.baseUrl).toBe(`${emulator.url}/v1`);
    const read = await call(emulator.baseUrl, customer.path, { customer: 'cust_123' });
    expect(read.status).toBe(200);
  });

  it('creates a customer on first read and returns its billing config', async () => {
    const emulator = await start();
    const read = await call(emulator.baseUrl, customer.path, { customer: 'cust_123', email: 'billing@acme.com' });
    expect(read.body).toMatchObject({
      success: true,
      data: { id: 'cust_123', email: 'billing@acme.com', billing: { overageLimit: null, featureConfigs: [] } },
    });
    const byEmail = await call(emulator.baseUrl, customer.path, { email: 'billing@acme.com' });
    expect((byEmail.body.data as { id: string }).id).toBe('cust_123');
    expect(emulator.state().customers).toHaveLength(1);
    expect(emulator.requests().map((request) => request.object)).toEqual(['customer/cust_123', null]);
  });

  it('sets, reads back and clears a feature config', async () => {
    const emulator = await start();
    await call(emulator.baseUrl, customer.path, { customer: 'cust_123' });
    const set = await call(emulator.baseUrl, setFeatureConfig.path, {
      customer: 'cust_123',
      feature: 'api_calls',
      overage: 'block',
      maxOverageUnits: 1000,
    });
    expect(set.status).toBe(200);
    const read = await call(emulator.baseUrl, customer.path, { customer: 'cust_123' });
    expect((read.body.data as { billing: unknown }).billing).toEqual({
      overageLimit: null,
      featureConfigs: [{ feature: 'api_calls', overage: 'block', maxOverageUnits: 1000 }],
    });
    await call(emulator.baseUrl, setFeatureConfig.path, {
      customer: 'cust_123',
      feature: 'api_calls',
      overage: null,
      maxOverageUnits: null,
    });
    expect(emulator.state().customers[0]?.billing.featureConfigs).toEqual([]);
  });

  it('sets and removes the customer-wide overage limit in minor units', async () => {
    const emulator = await start();
    emulator.seed({ customers: [{ id: 'cust_123' }] });
    const set = await call(emulator.baseUrl, setOverageLimit.path, {
      customer: 'cust_123',
      maxOverageAmount: 500_000,
      onLimitReached: 'block',
    });
    expect((set.body.data as { billing: { overageLimit: unknown } }).billing.overageLimit).toEqual({
      maxOverageAmount: 500_000,
      onLimitReached: 'block',
    });
    await call(emulator.baseUrl, setOverageLimit.path, {
      customer: 'cust_123',
      maxOverageAmount: null,
      onLimitReached: 'block',
    });
    expect(emulator.state().customers[0]?.billing.overageLimit).toBeNull();
  });

  it('refuses invalid values with {success: false, error: {code, message}}', async () => {
    const emulator = await start();
    emulator.seed({ customers: [{ id: 'cust_123' }] });
    const badOverage = await call(emulator.baseUrl, setFeatureConfig.path, {
      customer: 'cust_123',
      feature: 'api_calls',
      overage: 'allow',
    });
    expect(badOverage.status).toBe(400);
    expect(badOverage.body).toMatchObject({ success: false, error: { code: 'invalid_request' } });
    expect(JSON.stringify(badOverage.body)).toContain('overage must be');
    const fractional = await call(emulator.baseUrl, setOverageLimit.path, {
      customer: 'cust_123',
      maxOverageAmount: 10.5,
      onLimitReached: 'block',
    });
    expect(fractional.status).toBe(400);
    const negative = await call(emulator.baseUrl, setFeatureConfig.path, {
      customer: 'cust_123',
      feature: 'a',
      maxOverageUnits: -1,
    });
    expect(negative.status).toBe(400);
    const badAction = await call(emulator.baseUrl, setOverageLimit.path, {
      customer: 'cust_123',
      maxOverageAmount: 1,
      onLimitReached: 'stop',
    });
    expect(badAction.status).toBe(400);
    const unknownField = await call(emulator.baseUrl, setOverageLimit.path, {
      customer: 'cust_123',
      maxOverageAmount: 1,
      onLimitReached: 'block',
      currency: 'USD',
    });
    expect(unknownField.status).toBe(400);
  });

  it('answers 404 to a write for a customer it does not know', async () => {
    const emulator = await start();
    const response = await call(emulator.baseUrl, setFeatureConfig.path, {
      customer: 'ghost',
      feature: 'api_calls',
      overage: 'block',
    });
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ success: false, error: { code: 'customer_not_found' } });
    expect(emulator.state().customers).toEqual([]);
  });

  it('answers 401 with a plain-string error without the configured key', async () => {
    const emulator = await start({ secretKey: 'owo_sk_right' });
    const response = await call(emulator.baseUrl, customer.path, { customer: 'c' }, { key: 'owo_sk_wrong' });
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
    const burst = await Promise.all([1, 2, 3].map(() => call(emulator.baseUrl, customer.path, { customer: 'c1' })));
    const limited = burst.filter((response) => response.status === 429);
    expect(limited).toHaveLength(2);
    expect(limited[0]?.headers.get('retry-after')).toBe('1');
  });

  it('keeps its state in a file across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-owostack-'));
    try {
      const statePath = join(dir, 'owostack.json');
      const first = await start({ statePath });
      await call(first.baseUrl, customer.path, { customer: 'c1' });
      await call(first.baseUrl, setOverageLimit.path, {
        customer: 'c1',
        maxOverageAmount: 100,
        onLimitReached: 'notify',
      });
      await first.close();
      const second = await start({ statePath });
      const read = await call(second.baseUrl, customer.path, { customer: 'c1' });
      expect((read.body.data as { billing: { overageLimit: unknown } }).billing.overageLimit).toEqual({
        maxOverageAmount: 100,
        onLimitReached: 'notify',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
