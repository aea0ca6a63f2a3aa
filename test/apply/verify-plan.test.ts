import { describe, expect, it } from 'vitest';
import { checkSavedPlan } from '../../src/apply/verify-plan.js';
import type { DesiredObject, LiveObject, ObjectControls } from '../../src/plan/objects.js';
import { computePlan, type ObjectPlan } from '../../src/plan/plan.js';
import { fingerprint } from '../../src/resolve/canonical.js';
import { buildPolicySet } from '../../src/model/policy-set.js';

const caps = (units: number): ObjectControls => ({ features: { api_calls: { maxOverageUnits: units } } });
const desiredOf = (id: string, controls: ObjectControls): DesiredObject => ({ ref: { kind: 'customer', id }, controls, locations: {}, setBy: { 'api_calls.maxOverageUnits': 'customer' } });

/** Policies that want a at 100 and b at 200, a live state where a holds 50 and b nothing, and their plan. */
function setup(): { desired: Map<string, DesiredObject>; live: Map<string, LiveObject | null>; objects: ObjectPlan[] } {
  const desired = new Map([
    ['customer:a', desiredOf('a', caps(100))],
    ['customer:b', desiredOf('b', caps(200))],
  ]);
  const live = new Map<string, LiveObject | null>([
    ['customer:a', { controls: caps(50) }],
    ['customer:b', null],
  ]);
  const plan = computePlan({ set: buildPolicySet([]).set, policyDigest: 'sha256:x', target: { name: 'local' }, desired, live });
  // a saved plan went through JSON
  return { desired, live, objects: JSON.parse(JSON.stringify(plan.objects)) as ObjectPlan[] };
}

describe('checking a saved plan against the policies and the live state', () => {
  it('writes an untouched plan, recomputed', () => {
    const { desired, live, objects } = setup();
    const check = checkSavedPlan(objects, desired, live);
    expect(check).toMatchObject({ edited: [], stale: [], done: [] });
    expect(check.write.map((o) => [o.key, o.after])).toEqual([
      ['customer:a', caps(100)],
      ['customer:b', caps(200)],
    ]);
  });

  it('names an object whose planned value differs from the policies, with both values', () => {
    const { desired, live, objects } = setup();
    objects[0]!.after = caps(999);
    expect(checkSavedPlan(objects, desired, live).edited).toEqual([{ key: 'customer:a', differences: [{ path: 'api_calls.maxOverageUnits', planned: 999, policies: 100 }] }]);
  });

  it('names an object whose recorded change, not its value, was edited', () => {
    const { desired, live, objects } = setup();
    objects[1]!.action = 'update';
    expect(checkSavedPlan(objects, desired, live).edited).toEqual([{ key: 'customer:b', differences: [] }]);
  });

  it('names an object listed twice, and one added that needs no change', () => {
    const { desired, live, objects } = setup();
    const added: ObjectPlan = { ...objects[0]!, key: 'customer:c', ref: { kind: 'customer', id: 'c' } };
    desired.set('customer:c', desiredOf('c', caps(100)));
    live.set('customer:c', { controls: caps(100) });
    const check = checkSavedPlan([...objects, objects[1]!, { ...added, fingerprint: fingerprint(caps(100)) }], desired, live);
    expect(check.edited.map((e) => e.key)).toEqual(['customer:b', 'customer:c']);
  });

  it('sorts moved objects into stale and already done', () => {
    const { desired, live, objects } = setup();
    live.set('customer:a', { controls: caps(70) });
    live.set('customer:b', { controls: caps(200) });
    const check = checkSavedPlan(objects, desired, live);
    expect(check).toMatchObject({ edited: [], stale: ['customer:a'], done: ['customer:b'], write: [] });
  });

  it('lets a plan that lists only some of the changes through: what it writes is still what the policies produce', () => {
    const { desired, live, objects } = setup();
    expect(checkSavedPlan(objects.slice(1), desired, live).write.map((o) => o.key)).toEqual(['customer:b']);
  });
});
