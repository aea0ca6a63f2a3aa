import { describe, expect, it } from 'vitest';
import { capabilitiesOf, CONTROLS, settableOn } from '../../src/model/controls.js';
import { AUTUMN_CAPABILITIES } from '../../src/targets/autumn/autumn-target.js';
import { LOCAL_CAPABILITIES } from '../../src/targets/local/local-target.js';
import { OWOSTACK_CAPABILITIES } from '../../src/targets/owostack/owostack-target.js';

const sorted = (caps: Record<string, ReadonlySet<string>>) => Object.fromEntries(Object.entries(caps).map(([k, v]) => [k, [...v].sort()]));

describe('the controls, described once', () => {
  it('give each target the capabilities of SPEC §5 and §8', () => {
    expect(sorted(LOCAL_CAPABILITIES)).toEqual({
      plan: ['autoTopup', 'maxOverageUnits', 'overage', 'overageLimit', 'usageAlerts', 'usageLimits'],
      customer: ['autoTopup', 'maxOverageUnits', 'overage', 'overageLimit', 'usageAlerts', 'usageLimits'],
      entity: ['maxOverageUnits', 'overage', 'usageAlerts', 'usageLimits'],
    });
    expect(sorted(AUTUMN_CAPABILITIES)).toEqual({
      plan: ['autoTopup', 'maxOverageUnits', 'overage', 'usageAlerts', 'usageLimits'],
      customer: ['autoTopup', 'maxOverageUnits', 'overage', 'usageAlerts', 'usageLimits'],
      entity: ['maxOverageUnits', 'overage', 'usageAlerts', 'usageLimits'],
    });
    expect(sorted(OWOSTACK_CAPABILITIES)).toEqual({ plan: [], customer: ['maxOverageUnits', 'overage', 'overageLimit'], entity: [] });
  });

  it('no target holds a control on an object the policies cannot set it on', () => {
    for (const [name, c] of Object.entries(CONTROLS)) {
      for (const target of ['local', 'autumn', 'owostack'] as const) {
        for (const kind of ['plan', 'customer', 'entity'] as const) {
          if (capabilitiesOf(target)[kind].has(name as keyof typeof CONTROLS)) expect(c.layers.has(kind), `${target} holds ${name} on ${kind}`).toBe(true);
        }
      }
    }
    expect(settableOn('autoTopup', 'entity')).toBe(false);
    expect(settableOn('usageLimits', 'entity')).toBe(true);
  });
});
