// The tollgate ↔ Owostack mapping, without HTTP.
import { describe, expect, it } from 'vitest';
import { desiredObjects } from '../../../src/plan/desired.js';
import type { ObjectPlan } from '../../../src/plan/plan.js';
import type { CustomerRead } from '../../../src/targets/owostack/responses.js';
import { expressForOwostack, holds, liveFromCustomer, writeCalls } from '../../../src/targets/owostack/wire.js';
import { analyze } from '../../../src/validate/index.js';
import { policyDir, yaml } from '../../helpers/policy-dir.js';

function customer(billing: Omit<CustomerRead, 'id'>): CustomerRead {
  return { id: 'cust_1', ...billing };
}

describe('liveFromCustomer', () => {
  it('reads featureConfigs and the overage limit as the customer object\'s own controls', () => {
    const live = liveFromCustomer(
      customer({
        overageLimit: { maxOverageAmount: 500_000, onLimitReached: 'block' },
        featureConfigs: [
          { feature: 'api_calls', overage: 'charge', maxOverageUnits: null },
          { feature: 'seats', overage: 'block', maxOverageUnits: 0 },
          { feature: 'storage', overage: null, maxOverageUnits: 20 },
        ],
      }),
    );
    expect(live).toEqual({
      controls: {
        features: { api_calls: { overage: 'allow' }, seats: { overage: 'block', maxOverageUnits: 0 }, storage: { maxOverageUnits: 20 } },
        overageLimit: { maxOverageAmount: 500_000, onLimitReached: 'block' },
      },
    });
    expect(Object.keys(live!.controls.features)).toEqual(['api_calls', 'seats', 'storage']);
  });

  it('is null for a customer that holds nothing', () => {
    expect(liveFromCustomer(customer({ overageLimit: null, featureConfigs: [] }))).toBeNull();
    expect(liveFromCustomer(customer({ overageLimit: null, featureConfigs: [{ feature: 'x', overage: null, maxOverageUnits: null }] }))).toBeNull();
  });
});

function objectPlan(partial: Pick<ObjectPlan, 'after' | 'changes'>): ObjectPlan {
  return { key: 'customer:cust_1', ref: { kind: 'customer', id: 'cust_1' }, action: 'update', fingerprint: 'sha256:x', ...partial };
}

describe('writeCalls', () => {
  it('sends each changed feature whole, with nulls for what the customer must not hold, and the limit if it changed', () => {
    const calls = writeCalls(
      objectPlan({
        after: { features: { b: { overage: 'allow', maxOverageUnits: 10 }, c: { overage: 'block' } } },
        changes: [
          { path: 'b.maxOverageUnits', feature: 'b', control: 'maxOverageUnits', action: 'update', before: 5, after: 10 },
          { path: 'a.overage', feature: 'a', control: 'overage', action: 'delete', before: 'allow', after: null },
          { path: 'b.overage', feature: 'b', control: 'overage', action: 'create', before: null, after: 'allow' },
          { path: 'overageLimit', control: 'overageLimit', action: 'delete', before: { maxOverageAmount: 1, onLimitReached: 'notify' }, after: null },
        ],
      }),
    );
    expect(calls).toEqual([
      { name: 'feature:a', call: 'setFeatureConfig', body: { customer: 'cust_1', feature: 'a', overage: null, maxOverageUnits: null } },
      { name: 'feature:b', call: 'setFeatureConfig', body: { customer: 'cust_1', feature: 'b', overage: 'charge', maxOverageUnits: 10 } },
      { name: 'overage-limit', call: 'setOverageLimit', body: { customer: 'cust_1', maxOverageAmount: null, onLimitReached: 'block' } },
    ]);
  });

  it('sets the overage limit in minor units as written', () => {
    const limit = { maxOverageAmount: 500_000, onLimitReached: 'notify' as const };
    const calls = writeCalls(objectPlan({ after: { features: {}, overageLimit: limit }, changes: [{ path: 'overageLimit', control: 'overageLimit', action: 'create', before: null, after: limit }] }));
    expect(calls).toEqual([{ name: 'overage-limit', call: 'setOverageLimit', body: { customer: 'cust_1', maxOverageAmount: 500_000, onLimitReached: 'notify' } }]);
  });

  it('knows when a customer already holds what a call sets', () => {
    const [call] = writeCalls(objectPlan({ after: { features: { a: { overage: 'block' } } }, changes: [{ path: 'a.overage', feature: 'a', control: 'overage', action: 'create', before: null, after: 'block' }] }));
    expect(holds(customer({ overageLimit: null, featureConfigs: [{ feature: 'a', overage: 'block', maxOverageUnits: null }] }), call!)).toBe(true);
    expect(holds(customer({ overageLimit: null, featureConfigs: [{ feature: 'a', overage: 'block', maxOverageUnits: 3 }] }), call!)).toBe(false);
    expect(holds(customer({ overageLimit: null, featureConfigs: [] }), call!)).toBe(false);
  });
});

describe('expressForOwostack', () => {
  const policies = (customerYaml: string) =>
    policyDir({
      'catalog.yaml': yaml`
        kind: Feature
        id: calls
        type: metered
        ---
        kind: Feature
        id: tokens
        type: metered
        ---
        kind: Plan
        id: pro
        currency: USD
        features:
          calls: { included: 10, reset: month, pricing: usage_based, price: { amount: 1, per: 1 } }
          tokens: { included: 10, reset: month, pricing: usage_based, price: { amount: 1, per: 1 }, maxPurchase: 500 }
        ---
        kind: Profile
        id: capped
        controls:
          calls: { maxOverageUnits: 100 }
          tokens: { maxOverageUnits: 100 }
        overageLimit: { maxOverageAmount: 9000, onLimitReached: block }
      `,
      'customer.yaml': customerYaml,
    });

  function express(customerYaml: string) {
    const dir = policies(customerYaml);
    try {
      const { set, diagnostics } = analyze(dir.path);
      expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const result = expressForOwostack(desiredObjects(set), set);
      return { ...result, customer: result.desired.get('customer:cust_1')!, file: dir.shown('customer.yaml') };
    } finally {
      dir.cleanup();
    }
  }

  it('clears the customer override for `unlimited` where the plan item has no cap, and for overageLimit always', () => {
    const { customer, problems } = express(yaml`
      kind: Customer
      id: cust_1
      plan: pro
      extends: [capped]
      controls:
        calls: { overage: allow, maxOverageUnits: unlimited }
      overageLimit: unlimited
    `);
    expect(problems).toEqual([]);
    expect(customer.controls).toEqual({ features: { calls: { overage: 'allow' }, tokens: { maxOverageUnits: 100 } } });
  });

  it('refuses `unlimited` at its place where clearing would fall back to the plan item\'s maxPurchase', () => {
    const { problems, customer, file } = express(yaml`
      kind: Customer
      id: cust_1
      plan: pro
      extends: [capped]
      controls:
        tokens: { maxOverageUnits: unlimited }
    `);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'unsupported-control', severity: 'error', file, line: 6 });
    expect(problems[0]!.message).toBe(
      'Target owostack cannot hold "maxOverageUnits: unlimited" for tokens of customer cust_1: Owostack has no explicit "unlimited", and clearing the customer\'s cap falls back to plan pro\'s maxPurchase (500). Set a number of units, or remove maxPurchase from the plan item.',
    );
    expect(customer.controls.features.tokens).toBeUndefined();
  });

  it('holds maxOverageUnits: 0 as overage "block" (Owostack refuses a cap of 0), with the change at the cap\'s line', () => {
    const { customer, problems, file } = express(yaml`
      kind: Customer
      id: cust_1
      plan: pro
      controls:
        calls: { overage: allow, maxOverageUnits: 0 }
        tokens: { maxOverageUnits: 0 }
    `);
    expect(problems).toEqual([]);
    expect(customer.controls.features).toEqual({ calls: { overage: 'block' }, tokens: { overage: 'block' } });
    expect(customer.locations['tokens.overage']).toMatchObject({ file, line: 6 });
    expect(customer.locations['calls.overage']).toMatchObject({ file, line: 5 });
  });

  it('refuses an overageLimit of 0 at its place: Owostack refuses it and nothing else holds the same', () => {
    const { customer, problems, file } = express(yaml`
      kind: Customer
      id: cust_1
      plan: pro
      overageLimit: { maxOverageAmount: 0, onLimitReached: block }
    `);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'unsupported-control', severity: 'error', file, line: 4 });
    expect(problems[0]!.message).toBe(
      'Target owostack cannot hold "overageLimit" with maxOverageAmount 0 for customer cust_1: Owostack refuses a cap of 0. To allow no overage at all, set "overage: block" on the features instead.',
    );
    expect(customer.controls.overageLimit).toBeUndefined();
  });

  it('leaves plan and entity objects to the capability check', () => {
    const { desired } = express('kind: Customer\nid: cust_1\nplan: pro\n');
    expect(desired.get('plan:pro')!.controls).toEqual({ features: {} });
  });
});
