import { describe, expect, it } from 'vitest';
import { findDrift, type LastApplied } from '../../src/plan/drift.js';
import type { LiveObject, ObjectControls } from '../../src/plan/objects.js';
import { fingerprint } from '../../src/resolve/canonical.js';

const controls = (units: number): ObjectControls => ({ features: { api_calls: { maxOverageUnits: units, overage: 'allow' } } });
const record = (c: ObjectControls): LastApplied => ({ controls: c, fingerprint: fingerprint(c), at: '2026-11-26T10:00:00.000Z', applyId: 'a1' });
const live = (c: ObjectControls | null): LiveObject | null => (c === null ? null : { controls: c });

describe('findDrift', () => {
  it('finds objects whose live controls are not what was last applied, cleared ones included, per control', () => {
    const records = new Map([
      ['customer:a', record(controls(5))],
      ['customer:b', record(controls(7))],
      ['customer:c', record(controls(9))],
    ]);
    const now = new Map([
      ['customer:a', live(controls(5))],
      ['customer:b', live(controls(70))],
      ['customer:c', live(null)],
    ]);
    const drift = findDrift(records, now, (key) => (key === 'customer:b' ? 'USD' : undefined));
    expect(drift.map((d) => d.key)).toEqual(['customer:b', 'customer:c']);
    expect(drift[0]).toMatchObject({ ref: { kind: 'customer', id: 'b' }, appliedAt: '2026-11-26T10:00:00.000Z', applyId: 'a1', currency: 'USD' });
    expect(drift[0]!.changes).toEqual([{ path: 'api_calls.maxOverageUnits', feature: 'api_calls', control: 'maxOverageUnits', action: 'update', before: 7, after: 70 }]);
    expect(drift[1]!.changes.map((c) => [c.path, c.action, c.after])).toEqual([
      ['api_calls.overage', 'delete', null],
      ['api_calls.maxOverageUnits', 'delete', null],
    ]);
  });

  it('judges only objects read in this run, and an object holding what was applied is not drift', () => {
    const records = new Map([
      ['customer:a', record(controls(5))],
      ['customer:unread', record(controls(1))],
    ]);
    expect(findDrift(records, new Map([['customer:a', live({ features: { api_calls: { overage: 'allow', maxOverageUnits: 5 } } })]]))).toEqual([]);
  });
});
