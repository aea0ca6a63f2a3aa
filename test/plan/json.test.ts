import { describe, expect, it } from 'vitest';
import { formatPlanJson, parseLargePlanJson } from '../../src/plan/format/json.js';
import type { Plan } from '../../src/plan/plan.js';

const plan: Plan = {
  formatVersion: 1,
  policyDigest: 'sha256:' + 'a'.repeat(64),
  target: { name: 'local', endpoint: '.tollgate/local/state.json' },
  objects: [
    {
      key: 'customer:acme',
      ref: { kind: 'customer', id: 'acme' },
      action: 'create',
      fingerprint: 'sha256:' + 'b'.repeat(64),
      after: { features: { api_calls: { overage: 'allow', maxOverageUnits: 5000 } } },
      changes: [{ path: 'api_calls.overage', feature: 'api_calls', control: 'overage', action: 'create', before: null, after: 'allow' }],
    },
    {
      key: 'entity:acme/ws,1',
      ref: { kind: 'entity', customer: 'acme', id: 'ws,1' },
      action: 'delete',
      fingerprint: 'sha256:' + 'c'.repeat(64),
      after: { features: {} },
      changes: [{ path: 'api_calls.usageAlerts', feature: 'api_calls', control: 'usageAlerts', action: 'delete', before: [], after: null }],
    },
  ],
  effect: {
    customers: [
      { id: 'acme', currency: 'USD', exposureBefore: null, exposureAfter: 500, customerChanged: true, entities: [], causes: ['customer:acme'], changes: [{ feature: 'api_calls', field: 'hardLimit', before: null, after: 6000 }] },
    ],
  },
  summary: { add: 1, change: 0, remove: 1, customers: 1, entities: 0 },
};

describe('the plan artifact', () => {
  it('is JSON with one object and one customer effect per line', () => {
    const text = formatPlanJson(plan);
    expect(JSON.parse(text)).toEqual(plan);
    expect(text.split('\n').filter((l) => l.startsWith('{"key":'))).toHaveLength(2);
  });

  it('reads back line by line, as a fleet-sized plan past the longest string is read', () => {
    expect(parseLargePlanJson(Buffer.from(formatPlanJson(plan)))).toEqual(plan);
    const empty: Plan = { ...plan, objects: [], effect: { customers: [] } };
    expect(parseLargePlanJson(Buffer.from(formatPlanJson(empty)))).toEqual(empty);
  });

  it('refuses bytes that are not in that layout', () => {
    expect(parseLargePlanJson(Buffer.from(JSON.stringify(plan, null, 2)))).toBeUndefined();
    expect(parseLargePlanJson(Buffer.from('not json'))).toBeUndefined();
  });
});
