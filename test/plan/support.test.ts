import { describe, expect, it } from 'vitest';
import type { Location } from '../../src/diagnostics/diagnostic.js';
import type { DesiredObject } from '../../src/plan/objects.js';
import { unsupportedControls } from '../../src/plan/support.js';
import type { Capabilities } from '../../src/targets/target.js';

const CUSTOMER_ONLY: Capabilities = { plan: new Set(), customer: new Set(['overage']), entity: new Set() };

function at(file: string, line: number): Location {
  return { file, line, column: 7, endLine: line, endColumn: 20, pointer: '/controls/api_calls/usageAlerts' };
}

function customer(id: string, where: Location): DesiredObject {
  return {
    ref: { kind: 'customer', id },
    controls: { features: { api_calls: { usageAlerts: [{ type: 'usage', threshold: 5, enabled: true }] } } },
    locations: { 'api_calls.usageAlerts': where },
    setBy: { 'api_calls.usageAlerts': 'profile p' },
  };
}

describe('unsupportedControls', () => {
  it('reports a place once, naming every object it reaches', () => {
    const profileLine = at('profiles/p.yaml', 4);
    const objects = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id) => customer(`cust_${id}`, profileLine));
    const own = customer('cust_own', at('customers/own.yaml', 9));
    const diagnostics = unsupportedControls([...objects, own], CUSTOMER_ONLY, 'owostack');
    expect(diagnostics.map((d) => [d.file, d.line, d.message])).toEqual([
      [
        'profiles/p.yaml',
        4,
        'Target owostack does not support "usageAlerts" on a customer, so api_calls.usageAlerts of customer cust_a, customer cust_b, customer cust_c, customer cust_d, customer cust_e and 2 more cannot be pushed. Remove it or choose another target.',
      ],
      [
        'customers/own.yaml',
        9,
        'Target owostack does not support "usageAlerts" on a customer, so api_calls.usageAlerts of customer cust_own cannot be pushed. Remove it or choose another target.',
      ],
    ]);
    expect(unsupportedControls(objects.slice(0, 2), CUSTOMER_ONLY, 'owostack')[0]!.message).toContain('of customer cust_a and customer cust_b cannot');
  });
});
