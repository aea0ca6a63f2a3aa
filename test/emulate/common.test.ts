import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAutumnEmulator, type AutumnEmulator } from '../../src/emulate/autumn/emulator.js';
import { faultSequence, FAULT_KINDS, type FaultKind } from '../../src/emulate/common/faults.js';
import type { EmulatorOptions } from '../../src/emulate/common/options.js';
import { TokenBucketLimiter } from '../../src/emulate/common/rate-limiter.js';
import { writeFileAtomic } from '../../src/emulate/common/state-file.js';
import { startOwostackEmulator } from '../../src/emulate/owostack/emulator.js';
import { call } from './http-helpers.js';

let running: AutumnEmulator[] = [];

async function start(options: EmulatorOptions = {}): Promise<AutumnEmulator> {
  const emulator = await startAutumnEmulator({ port: 0, slowMs: 1, ...options });
  running.push(emulator);
  return emulator;
}

afterEach(async () => {
  await Promise.all(running.map((emulator) => emulator.close()));
  running = [];
});

/** Sends requests one after another and records what a client saw: a status, or 'dropped'. */
async function outcomes(
  emulator: AutumnEmulator,
  count: number,
  headers: Record<string, string> = {},
): Promise<Array<number | 'dropped'>> {
  const seen: Array<number | 'dropped'> = [];
  for (let index = 0; index < count; index += 1) {
    try {
      const response = await call(
        emulator.url,
        '/v1/customers.get_or_create',
        { customer_id: `c${index}` },
        { headers },
      );
      seen.push(response.status);
    } catch {
      seen.push('dropped');
    }
  }
  return seen;
}

describe('fault injection', () => {
  it('draws the same fault sequence from the same seed, and another from another seed', () => {
    const draw = (seed: number) => {
      const next = faultSequence(0.5, seed);
      return Array.from({ length: 50 }, () => next());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    expect(new Set(draw(7).filter((kind) => kind !== null))).toEqual(new Set(FAULT_KINDS));
    const none = faultSequence(0, 1);
    expect(Array.from({ length: 20 }, () => none()).every((kind) => kind === null)).toBe(true);
  });

  it('shows a client the same faults from two emulators started with the same seed', async () => {
    const a = await start({ faultRate: 0.5, faultSeed: 42, rateLimit: 0 });
    const b = await start({ faultRate: 0.5, faultSeed: 42, rateLimit: 0 });
    const seenA = await outcomes(a, 30);
    const seenB = await outcomes(b, 30);
    expect(seenA).toEqual(seenB);
    expect(seenA).toContain('dropped');
    expect(seenA).toContain(500);
    expect(a.requests().map((request) => request.fault)).toEqual(b.requests().map((request) => request.fault));
    const ids = (emulator: AutumnEmulator) => emulator.state().customers.map((customer) => customer.id);
    expect(ids(a)).toEqual(ids(b));
  });

  it("answers injected 500s and 429s in the API's error shape, 429 with Retry-After", async () => {
    const errors = await start({ faultRate: 1, faultKinds: ['server_error'] });
    const error = await call(errors.url, '/v1/customers.get_or_create', { customer_id: 'c1' });
    expect(error.status).toBe(500);
    expect(error.body).toMatchObject({ code: 'internal_error', env: 'sandbox' });
    const limited = await start({ faultRate: 1, faultKinds: ['rate_limited'], faultRetryAfterSeconds: 0 });
    const response = await call(limited.url, '/v1/customers.get_or_create', { customer_id: 'c1' });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('0');
    expect(limited.state().customers).toEqual([]);
  });

  it('drops the connection before storing a write: fetch rejects and nothing changed', async () => {
    const emulator = await start({ faultRate: 1, faultKinds: ['drop_before_write'] });
    await expect(call(emulator.url, '/v1/customers.get_or_create', { customer_id: 'c1' })).rejects.toThrow();
    expect(emulator.state().customers).toEqual([]);
    expect(emulator.requests()).toMatchObject([{ status: null, fault: 'drop_before_write', stored: false }]);
  });

  it('drops the connection after storing a write: the retry with the same key gets 409', async () => {
    const kinds: FaultKind[] = ['drop_after_write'];
    // Pick a seed whose first request is dropped after the write and whose second is clean.
    const seed = Array.from({ length: 200 }, (_, index) => index).find((candidate) => {
      const next = faultSequence(0.5, candidate, kinds);
      return next() === 'drop_after_write' && next() === null;
    });
    expect(seed).toBeDefined();
    const emulator = await start({ faultRate: 0.5, faultSeed: seed ?? 0, faultKinds: kinds });
    const headers = { 'idempotency-key': 'create-c1' };
    await expect(
      call(emulator.url, '/v1/customers.get_or_create', { customer_id: 'c1' }, { headers }),
    ).rejects.toThrow();
    expect(emulator.state().customers.map((customer) => customer.id)).toEqual(['c1']);
    const retry = await call(emulator.url, '/v1/customers.get_or_create', { customer_id: 'c1' }, { headers });
    expect(retry.status).toBe(409);
    expect(emulator.requests().map((request) => [request.status, request.stored])).toEqual([
      [null, true],
      [409, false],
    ]);
  });

  it('still answers after a slow fault or fixed latency', async () => {
    const emulator = await start({ faultRate: 1, faultKinds: ['slow'], slowMs: 5, latencyMs: 5 });
    const response = await call(emulator.url, '/v1/customers.get_or_create', { customer_id: 'c1' });
    expect(response.status).toBe(200);
    expect(emulator.requests()[0]?.fault).toBe('slow');
  });
});

describe('token bucket', () => {
  it('lets a burst of the rate through, then refills with time', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter(25, () => now);
    const burst = Array.from({ length: 26 }, () => limiter.take('org'));
    expect(burst.filter((decision) => decision.ok)).toHaveLength(25);
    expect(burst[25]).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(limiter.take('other-org').ok).toBe(true);
    now += 40;
    expect(limiter.take('org').ok).toBe(true);
    expect(limiter.take('org').ok).toBe(false);
    expect(new TokenBucketLimiter(0).take('org').ok).toBe(true);
  });
});

describe('server basics', () => {
  it('listens on 127.0.0.1 only and refuses connections once closed', async () => {
    const emulator = await startAutumnEmulator({ port: 0 });
    expect(emulator.url).toBe(`http://127.0.0.1:${emulator.port}`);
    await emulator.close();
    await emulator.close();
    await expect(fetch(`${emulator.url}/v1/customers.get`, { method: 'POST' })).rejects.toThrow();
  });

  it('accepts any non-empty key when none is configured, never an empty one', async () => {
    const emulator = await start();
    expect((await call(emulator.url, '/v1/customers.list', {}, { key: 'anything' })).status).toBe(200);
    const empty = await fetch(`${emulator.url}/v1/customers.list`, {
      method: 'POST',
      headers: { authorization: 'Bearer ' },
      body: '{}',
    });
    expect(empty.status).toBe(401);
  });

  it('answers bad JSON with 400, unknown routes with 404 and other methods with 405', async () => {
    const emulator = await start();
    const response = await fetch(`${emulator.url}/v1/customers.get`, {
      method: 'POST',
      headers: { authorization: 'Bearer k' },
      body: '{',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('invalid_inputs');
    expect((await call(emulator.url, '/v1/nope', {})).status).toBe(404);
    expect((await call(emulator.url, '/v1/customers.get', undefined, { method: 'GET' })).status).toBe(405);
  });

  it('refuses to start on a state file that belongs to the other emulator', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-state-'));
    try {
      const statePath = join(dir, 'state.json');
      const owostack = await startOwostackEmulator({ statePath });
      owostack.seed({ customers: [{ id: 'c1' }] });
      await owostack.close();
      await expect(startAutumnEmulator({ statePath })).rejects.toThrow(/owostack/);
      writeFileSync(statePath, '{ not json');
      await expect(startAutumnEmulator({ statePath })).rejects.toThrow(/not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes state files whole, leaving no temporary files behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-atomic-'));
    try {
      const path = join(dir, 'nested', 'state.json');
      writeFileAtomic(path, 'first');
      writeFileAtomic(path, 'second');
      expect(readFileSync(path, 'utf8')).toBe('second');
      expect(readdirSync(join(dir, 'nested'))).toEqual(['state.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
