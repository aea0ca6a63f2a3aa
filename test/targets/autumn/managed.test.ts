// The marker a write leaves: never without an object that may hold controls tollgate wrote, and exactly the
// planned one once nothing else holds any.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markerToHold, type ManagedMarker } from '../../../src/targets/autumn/managed.js';

const IDS = ['a', 'b', 'c', 'd'];
const ids = fc.subarray(IDS);
const marker = fc.option(ids.map((e): ManagedMarker => ({ entities: new Set(e) })), { nil: undefined });

const state = fc.record({
  confirmed: marker,
  planned: fc.option(fc.record({ marker }), { nil: undefined }),
  holding: ids,
  customerHolds: fc.boolean(),
  adding: fc.option(fc.constantFrom(...IDS), { nil: undefined }),
  removing: fc.option(fc.constantFrom(...IDS), { nil: undefined }),
});

describe('markerToHold', () => {
  it('keeps every marked entity that may still hold controls, and the one about to get some', () => {
    fc.assert(
      fc.property(state, (s) => {
        // An entity is removed only once its clearing write landed: it holds nothing then.
        const holding = new Set(s.holding.filter((id) => id !== s.removing));
        const next = markerToHold({ ...s, entityHolds: (id) => holding.has(id) });
        for (const id of s.confirmed?.entities ?? []) if (holding.has(id)) expect(next?.entities.has(id)).toBe(true);
        if (s.adding !== undefined) expect(next?.entities.has(s.adding)).toBe(true);
        if (s.planned) for (const id of s.planned.marker?.entities ?? []) expect(next?.entities.has(id)).toBe(true);
        // A marked customer stays marked without a plan that says otherwise.
        if (!s.planned && s.confirmed) expect(next).toBeDefined();
        if (s.planned && s.customerHolds) expect(next).toBeDefined();
      }),
    );
  });

  it('is the planned marker once no other entity holds controls', () => {
    fc.assert(
      fc.property(marker, marker, (confirmed, planned) => {
        const next = markerToHold({ confirmed, planned: { marker: planned }, customerHolds: false, entityHolds: () => false });
        expect(next === undefined ? undefined : [...next.entities].sort()).toEqual(planned === undefined ? undefined : [...planned.entities].sort());
      }),
    );
  });
});
