import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { tallyOf } from '../../src/guardrails/report.js';
import { analyze } from '../../src/validate/index.js';
import { policyDir, type PolicyDir } from '../helpers/policy-dir.js';

// Guardrails on effective values (SPEC §12): a bound fails exactly where the value breaks it (an unbounded value fails
// a max), at the place that set the value; a waiver turns a soft failure into "waived" until it expires.

const CATALOG = [
  'kind: Feature',
  'id: calls',
  'type: metered',
  '---',
  'kind: Plan',
  'id: pro',
  'currency: USD',
  'features:',
  '  calls: { included: 100, reset: month, pricing: usage_based, price: { amount: 1, per: 1 } }',
  '',
].join('\n');

const dirs: PolicyDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

describe('a maxOverageUnits bound', () => {
  it('fails exactly when overage is allowed and the spend limit is above the max or unlimited; a waiver covers it until it expires', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('allow', 'block'),
        fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.constant('unlimited' as const)),
        fc.integer({ min: 0, max: 5000 }),
        fc.boolean(),
        fc.integer({ min: -3, max: 3 }),
        (overage, cap, max, waived, expiresInDays) => {
          const files: Record<string, string> = {
            'catalog.yaml': CATALOG,
            'acme.yaml': `kind: Customer\nid: acme\nplan: pro\ncontrols:\n  calls: { overage: ${overage}, maxOverageUnits: ${cap} }\n`,
            'g.yaml': `kind: Guardrail\nid: cap\nlevel: soft\nmessage: Calls stay capped.\nrequire:\n  features:\n    calls: { maxOverageUnits: { max: ${max} } }\n`,
          };
          const at = Date.parse('2026-06-10T00:00:00Z');
          if (waived) files['w.yaml'] = `kind: Waiver\nid: w\nguardrail: cap\ncustomers: [acme]\nreason: reviewed\nexpires: ${new Date(at + expiresInDays * 86_400_000).toISOString().slice(0, 10)}\n`;
          const dir = policyDir(files);
          dirs.push(dir);
          const analysis = analyze(dir.path, { at, expiryWarningDays: 0 });
          const breaks = overage === 'allow' && (cap === 'unlimited' || cap > max);
          const covered = waived && expiresInDays > 0;
          const failures = analysis.diagnostics.filter((d) => d.code === 'guardrail-soft');
          expect(failures.length).toBe(breaks && !covered ? 1 : 0);
          if (failures[0]) {
            // at the value that broke the rule: the spend limit written on the customer
            expect(failures[0]).toMatchObject({ file: dir.shown('acme.yaml'), line: 5, pointer: '/controls/calls/maxOverageUnits' });
            expect(failures[0].related?.[0]).toMatchObject({ file: dir.shown('g.yaml'), line: 7 });
          }
          expect(tallyOf(analysis.guardrails!)).toEqual({ passed: breaks ? 0 : 1, waived: breaks && covered ? 1 : 0, failed: breaks && !covered ? 1 : 0, advisory: 0 });
          const unused = analysis.diagnostics.some((d) => d.code === 'waiver-unused');
          expect(unused).toBe(covered && !breaks);
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });
});
