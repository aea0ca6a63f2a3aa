// The Owostack client and target in-process, against the emulator over real HTTP on a random port.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../../src/apply/apply.js';
import { desiredObjects } from '../../../src/plan/desired.js';
import { computePlan } from '../../../src/plan/plan.js';
import { errorOf, OwostackClient } from '../../../src/targets/owostack/client.js';
import { parseRetryAfter } from '../../../src/targets/http.js';
import { OwostackTarget } from '../../../src/targets/owostack/owostack-target.js';
import { TargetError } from '../../../src/targets/target.js';
import { analyze } from '../../../src/validate/index.js';
import { policyDir, yaml } from '../../helpers/policy-dir.js';
import { emulatorBilling, existing, expectedBilling, Fixtures, SECRET_KEY, seedCustomersOf } from './helpers.js';

const fixtures = new Fixtures();
afterEach(() => fixtures.cleanup());

async function failure(promise: Promise<unknown>): Promise<TargetError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TargetError);
  return error as TargetError;
}

describe('OwostackClient', () => {
  it('reads a customer with GET and writes with Bearer auth and an idempotency key', async () => {
    const emulator = await fixtures.emulator();
    emulator.seed(existing('cust 1/ä'));
    const client = new OwostackClient({ baseUrl: emulator.baseUrl, secretKey: SECRET_KEY });
    expect(await client.customer('cust 1/ä')).toEqual({ id: 'cust 1/ä', overageLimit: null, featureConfigs: [] });
    await client.setFeatureConfig({ customer: 'cust 1/ä', feature: 'api_calls', overage: 'block', maxOverageUnits: 1000 }, 'key-1');
    await client.setOverageLimit({ customer: 'cust 1/ä', maxOverageAmount: 500_000, onLimitReached: 'block' }, 'key-2');
    expect(await client.customer('cust 1/ä')).toEqual({
      id: 'cust 1/ä',
      overageLimit: { maxOverageAmount: 500_000, onLimitReached: 'block' },
      featureConfigs: [{ feature: 'api_calls', overage: 'block', maxOverageUnits: 1000 }],
    });
    expect(emulator.requests().map((r) => [r.method, r.path, r.headers['idempotency-key']])).toEqual([
      ['GET', '/v1/customers/cust%201%2F%C3%A4', undefined],
      ['POST', '/v1/customers/feature-config', 'key-1'],
      ['POST', '/v1/customers/overage-limit', 'key-2'],
      ['GET', '/v1/customers/cust%201%2F%C3%A4', undefined],
    ]);
  });

  it('answers an unknown customer with a 404 TargetError, creating nothing', async () => {
    const emulator = await fixtures.emulator();
    const error = await failure(new OwostackClient({ baseUrl: emulator.baseUrl, secretKey: SECRET_KEY }).customer('ghost'));
    expect(error.message).toBe('Owostack customer answered 404: Customer not found');
    expect(error.options).toMatchObject({ status: 404, retryable: false });
    expect(emulator.state().customers).toEqual([]);
  });

  it('carries the API\'s own message from the plain-string error shape, and never the key', async () => {
    const emulator = await fixtures.emulator();
    const wrong = 'sk_live_wrong_0c9b';
    const error = await failure(new OwostackClient({ baseUrl: emulator.baseUrl, secretKey: wrong }).customer('cust_1'));
    expect(error.message).toBe(
      `Owostack customer answered 401: Missing or invalid API key: send Authorization: Bearer <secret key>. Check OWOSTACK_SECRET_KEY: it must be a secret key of the Owostack account at ${emulator.baseUrl}.`,
    );
    expect(error.options).toMatchObject({ status: 401, fatal: true });
    expect(error.options.retryable).toBeFalsy();
    expect(error.message).not.toContain(wrong);
  });

  it('carries code and message from the {code, message} error shape', async () => {
    const emulator = await fixtures.emulator();
    emulator.seed(existing('c1'));
    const client = new OwostackClient({ baseUrl: emulator.baseUrl, secretKey: SECRET_KEY });
    const error = await failure(client.setFeatureConfig({ customer: 'c1', feature: 'api_calls', overage: 'block', maxOverageUnits: 0 }, 'k'));
    expect(error.message).toBe('Owostack setFeatureConfig answered 400 invalid_request: maxOverageUnits must be a positive integer or null, received 0');
    expect(error.options).toMatchObject({ status: 400, code: 'invalid_request', retryable: false });
  });

  it('marks a reused idempotency key as a duplicate', async () => {
    const emulator = await fixtures.emulator();
    emulator.seed(existing('cust_1'));
    const client = new OwostackClient({ baseUrl: emulator.baseUrl, secretKey: SECRET_KEY });
    const body = { customer: 'cust_1', maxOverageAmount: 100, onLimitReached: 'notify' as const };
    await client.setOverageLimit(body, 'same');
    const error = await failure(client.setOverageLimit(body, 'same'));
    expect(error.options).toMatchObject({ status: 409, code: 'duplicate_idempotency_key', duplicate: true });
  });

  it.each([
    ['rate_limited', 429, 3000],
    ['server_error', 500, undefined],
  ] as const)('classifies an injected %s as retryable, with Retry-After', async (kind, status, retryAfterMs) => {
    const emulator = await fixtures.emulator({ faultRate: 1, faultKinds: [kind], faultRetryAfterSeconds: 3 });
    const error = await failure(new OwostackClient({ baseUrl: emulator.baseUrl, secretKey: SECRET_KEY }).customer('cust_1'));
    expect(error.options.status).toBe(status);
    expect(error.options.retryable).toBe(true);
    expect(error.options.retryAfterMs).toBe(retryAfterMs);
  });

  it('classifies a dropped connection and a refused one as retryable (a server restarting), naming the URL', async () => {
    const emulator = await fixtures.emulator({ faultRate: 1, faultKinds: ['drop_before_write'] });
    const dropped = await failure(new OwostackClient({ baseUrl: emulator.baseUrl, secretKey: SECRET_KEY }).customer('cust_1'));
    expect(dropped.options.retryable).toBe(true);
    expect(dropped.message).toMatch(new RegExp(`^Could not reach Owostack at ${emulator.baseUrl}/customers/cust_1: `));

    const closed = await fixtures.emulator();
    const url = closed.baseUrl;
    await closed.close();
    const refused = await failure(new OwostackClient({ baseUrl: url, secretKey: SECRET_KEY }).customer('cust_1'));
    expect(refused.message).toMatch(new RegExp(`^Could not reach Owostack at ${url}/customers/cust_1: .*ECONNREFUSED`));
    expect(refused.options).toMatchObject({ retryable: true, code: 'ECONNREFUSED' });
    expect(refused.options.fatal).toBeFalsy();
  });

  it('classifies an unusable endpoint as fatal, naming where it is set', async () => {
    const failed = await failure(new OwostackClient({ baseUrl: 'http://exa mple/v1', secretKey: SECRET_KEY }).customer('cust_1'));
    expect(failed.message).toMatch(/^Cannot reach Owostack at .* \(ERR_INVALID_URL\)\. Check the endpoint \(--endpoint, OWOSTACK_API_URL or "endpoint" in tollgate.yaml\)\.$/);
    expect(failed.options).toMatchObject({ fatal: true });
    expect(failed.options.retryable).toBeFalsy();
  });

  it('checks the answer of a write: a 2xx that is not {success: true} fails naming the route, and is not retried', async () => {
    const answers = [
      ['application/json', '{}'],
      ['text/html', '<html><body>Welcome</body></html>'],
      ['application/json', '{"success":false,"error":"Feature not found"}'],
    ];
    let next = 0;
    const server = createServer((req, res) => {
      req.resume();
      const [type, body] = answers[next++]!;
      res.writeHead(200, { 'content-type': type! }).end(body);
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const client = new OwostackClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, secretKey: SECRET_KEY });
      const body = { customer: 'c1', feature: 'api_calls', overage: 'block' as const, maxOverageUnits: null };
      const messages: string[] = [];
      for (let i = 0; i < answers.length; i++) {
        const error = await failure(client.setFeatureConfig(body, `k${i}`));
        expect(error.options.retryable).toBeFalsy();
        messages.push(error.message.replace(/127\.0\.0\.1:\d+/, 'HOST'));
      }
      expect(messages).toEqual([
        "Owostack's answer to POST /customers/feature-config does not have the documented shape: success is missing, expected true. Check that http://HOST/v1 is Owostack's API.",
        'Owostack answered POST /customers/feature-config with a text/html body that is not JSON: "<html><body>Welcome</body></html>". Check that http://HOST/v1 is Owostack\'s API.',
        'Owostack setFeatureConfig answered 200: Feature not found',
      ]);
    } finally {
      server.close();
    }
  });

  it('parses both error shapes and Retry-After forms', () => {
    expect(errorOf({ success: false, error: 'Invalid key' }, '', 401)).toEqual({ message: 'Invalid key' });
    expect(errorOf({ success: false, error: { code: 'invalid_request', message: 'bad' } }, '', 400)).toEqual({ code: 'invalid_request', message: 'bad' });
    expect(errorOf(undefined, '<html>Bad gateway</html>', 502)).toEqual({ message: 'unexpected response: <html>Bad gateway</html>' });
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('OwostackTarget with the shared executor', () => {
  it('finishes a multi-call write whose answers were lost: the stored calls come back as duplicates and are confirmed by a read', async () => {
    // About a third of the requests fail: a 500, or the write is stored and the connection dropped unanswered.
    const emulator = await fixtures.emulator({ faultRate: 0.35, faultSeed: 99, faultKinds: ['drop_after_write', 'server_error'] });
    const dir = policyDir({
      'p.yaml': yaml`
        kind: Feature
        id: a
        type: metered
        ---
        kind: Feature
        id: b
        type: metered
        ---
        kind: Plan
        id: pro
        currency: USD
        features:
          a: { included: 1, reset: month, pricing: usage_based, price: { amount: 1, per: 1 } }
          b: { included: 1, reset: month, pricing: usage_based, price: { amount: 1, per: 1 } }
      `,
      ...Object.fromEntries(
        Array.from({ length: 12 }, (_, i) => [
          `c${i}.yaml`,
          `kind: Customer\nid: c${i}\nplan: pro\ncontrols:\n  a: { overage: block }\n  b: { overage: allow, maxOverageUnits: ${i} }\noverageLimit: { maxOverageAmount: ${100 * (i + 1)}, onLimitReached: block }\n`,
        ]),
      ),
    });
    seedCustomersOf(emulator, dir.path);
    try {
      const analysis = analyze(dir.path);
      const fast = { baseMs: 1, capMs: 5, maxAttempts: 20 };
      const target = new OwostackTarget({ endpoint: emulator.baseUrl, secretKey: SECRET_KEY, retry: fast });
      const { desired } = target.express(desiredObjects(analysis.set), analysis.set);
      const live = await target.read([...desired.keys()]);
      const plan = computePlan({ set: analysis.set, policyDigest: 'sha256:test', target: { name: 'owostack', endpoint: target.endpoint }, desired, live });
      expect(plan.objects).toHaveLength(12);
      const report = await applyPlan(plan, target, { retry: fast });
      expect(report.failed).toEqual([]);
      expect(report.applied).toHaveLength(12);
      const log = emulator.requests();
      expect(log.some((r) => r.fault === 'drop_after_write' && r.stored)).toBe(true);
      expect(log.some((r) => r.status === 409)).toBe(true);
      const billing = emulatorBilling(emulator);
      for (const [id, expected] of expectedBilling(dir.path)) expect(billing.get(id)).toEqual(expected);
    } finally {
      dir.cleanup();
    }
  });
});

describe('OwostackTarget settings', () => {
  it('refuses a missing key and an endpoint that is not an http(s) URL before any request', () => {
    expect(() => new OwostackTarget({ secretKey: '  ' })).toThrow(/^OWOSTACK_SECRET_KEY is not set/);
    expect(() => new OwostackTarget({ secretKey: SECRET_KEY, endpoint: 'api.owostack.com/v1' })).toThrow(
      'The owostack endpoint "api.owostack.com/v1" is not an http(s) URL; give a base URL such as https://sandbox.owostack.com/v1 (--endpoint, OWOSTACK_API_URL or "endpoint" in tollgate.yaml).',
    );
    const target = new OwostackTarget({ secretKey: SECRET_KEY });
    expect(target.endpoint).toBe('https://sandbox.owostack.com/v1');
    expect(target.capabilities.customer).toEqual(new Set(['overage', 'maxOverageUnits', 'overageLimit']));
    expect([target.capabilities.plan.size, target.capabilities.entity.size]).toEqual([0, 0]);
  });

  it('uses a production key (owo_sk_live_…) only with live, which also makes production the default endpoint', () => {
    expect(() => new OwostackTarget({ secretKey: 'owo_sk_live_4f2a' })).toThrow(
      'OWOSTACK_SECRET_KEY holds a production key (owo_sk_live_…). tollgate uses production keys only when asked to: pass --live.',
    );
    expect(new OwostackTarget({ secretKey: 'owo_sk_live_4f2a', live: true }).endpoint).toBe('https://api.owostack.com/v1');
    expect(new OwostackTarget({ secretKey: 'owo_sk_test_4f2a' }).endpoint).toBe('https://sandbox.owostack.com/v1');
    expect(new OwostackTarget({ secretKey: 'owo_sk_live_4f2a', live: true, endpoint: 'http://127.0.0.1:1/v1' }).endpoint).toBe('http://127.0.0.1:1/v1');
  });
});

describe('OwostackTarget across runs', () => {
  it('re-applies a change that was undone outside tollgate, although its idempotency keys were used before', async () => {
    const emulator = await fixtures.emulator();
    const dir = policyDir({
      'p.yaml': yaml`
        kind: Feature
        id: a
        type: metered
        ---
        kind: Plan
        id: pro
        currency: USD
        features:
          a: { included: 1, reset: month, pricing: usage_based, price: { amount: 1, per: 1 } }
        ---
        kind: Customer
        id: c1
        plan: pro
        controls:
          a: { overage: block }
        overageLimit: { maxOverageAmount: 700, onLimitReached: notify }
      `,
    });
    emulator.seed(existing('c1'));
    const run = async () => {
      const analysis = analyze(dir.path);
      const target = new OwostackTarget({ endpoint: emulator.baseUrl, secretKey: SECRET_KEY });
      const { desired } = target.express(desiredObjects(analysis.set), analysis.set);
      const live = await target.read([...desired.keys()]);
      const plan = computePlan({ set: analysis.set, policyDigest: 'sha256:same', target: { name: 'owostack', endpoint: target.endpoint }, desired, live });
      return applyPlan(plan, target);
    };
    try {
      expect((await run()).applied).toEqual(['customer:c1']);
      // Someone resets the customer by hand: the live state is again exactly what the first plan saw.
      const client = new OwostackClient({ baseUrl: emulator.baseUrl, secretKey: SECRET_KEY });
      await client.setFeatureConfig({ customer: 'c1', feature: 'a', overage: null, maxOverageUnits: null }, 'manual-1');
      await client.setOverageLimit({ customer: 'c1', maxOverageAmount: null, onLimitReached: 'block' }, 'manual-2');
      emulator.clearRequests();
      const again = await run();
      expect(again).toMatchObject({ applied: ['customer:c1'], failed: [] });
      expect(emulator.requests().filter((r) => r.status === 409)).toHaveLength(2);
      expect(emulatorBilling(emulator).get('c1')).toEqual(expectedBilling(dir.path).get('c1'));
    } finally {
      dir.cleanup();
    }
  });
});
