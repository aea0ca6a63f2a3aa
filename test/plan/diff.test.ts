// The diff of one object's controls: what changes, and where the policies set it, looked up for changes only
// (a desired state's locations are worked out on first read; at fleet scale reading them all cost a third of a
// second of every plan).
import { describe, expect, it } from 'vitest';
import type { Location } from '../../src/diagnostics/diagnostic.js';
import { diffControls } from '../../src/plan/diff.js';
import type { ObjectControls } from '../../src/plan/objects.js';

const where = (line: number): Location => ({ file: 'policies/customers/c.yaml', line, column: 5, endLine: line, endColumn: 9, pointer: '' });

describe('diffControls', () => {
  it('reads the location of a changed control and of no other', () => {
    const before: ObjectControls = { features: { api_calls: { overage: 'block', maxOverageUnits: 1000 }, seats: { maxOverageUnits: 5 } } };
    const after: ObjectControls = { features: { api_calls: { overage: 'allow', maxOverageUnits: 1000 }, seats: { maxOverageUnits: 5 } } };
    const read: string[] = [];
    const locations: Record<string, Location> = {};
    for (const [path, line] of [['api_calls.overage', 3], ['api_calls.maxOverageUnits', 4], ['seats.maxOverageUnits', 7]] as const) {
      Object.defineProperty(locations, path, { enumerable: true, get: () => (read.push(path), where(line)) });
    }
    const changes = diffControls(before, after, locations, { 'api_calls.overage': 'customer', 'api_calls.maxOverageUnits': 'plan' });
    expect(changes).toEqual([{ path: 'api_calls.overage', feature: 'api_calls', control: 'overage', action: 'update', before: 'block', after: 'allow', location: where(3), setBy: 'customer' }]);
    expect(read).toEqual(['api_calls.overage']);
  });

  it('gives a removal neither location nor layer', () => {
    const locations = { 'seats.maxOverageUnits': where(7) };
    const changes = diffControls({ features: { seats: { maxOverageUnits: 5 } } }, { features: {} }, locations, { 'seats.maxOverageUnits': 'plan' });
    expect(changes).toEqual([{ path: 'seats.maxOverageUnits', feature: 'seats', control: 'maxOverageUnits', action: 'delete', before: 5, after: null }]);
  });
});
