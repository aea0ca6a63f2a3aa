import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { analyze } from '../../src/validate/index.js';
import { policyDir, type PolicyDir } from '../helpers/policy-dir.js';

// Exceptions as layers (SPEC §12): entity exception > entity > customer exception > customer > plan; of several
// active in one block the later wins; an exception is active from `from` (inclusive) until `until` (exclusive).

const CATALOG = [
  'kind: Feature',
  'id: calls',
  'type: metered',
  '---',
  'kind: Plan',
  'id: pro',
  'currency: USD',
  'features:',
  '  calls: { included: 100, reset: month, pricing: usage_based, price: { amount: 1, per: 1 }, maxPurchase: 7 }',
  '',
].join('\n');

/** The customer's first lines: a spend limit of 500 on calls, at the customer level. */
const ACME = ['kind: Customer', 'id: acme', 'plan: pro', 'controls:', '  calls: { maxOverageUnits: 500 }'];

const DAY = 86_400_000;
const BASE = Date.UTC(2026, 0, 1);
const date = (day: number) => new Date(BASE + day * DAY).toISOString().slice(0, 10);

interface Ex {
  from?: number;
  until: number;
  cap: number;
}

const exArb = fc.record({ from: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }), length: fc.integer({ min: 1, max: 10 }), cap: fc.integer({ min: 1000, max: 9999 }) }).map(
  ({ from, length, cap }): Ex => ({ ...(from === undefined ? {} : { from }), until: (from ?? 0) + length, cap }),
);

function yamlOf(list: readonly Ex[], indent: string, prefix: string): string {
  if (list.length === 0) return '';
  const lines = [`${indent}exceptions:`];
  list.forEach((e, i) => {
    lines.push(`${indent}  - id: ${prefix}${i}`);
    if (e.from !== undefined) lines.push(`${indent}    from: ${date(e.from)}`);
    lines.push(`${indent}    until: ${date(e.until)}`, `${indent}    reason: test`, `${indent}    controls: { calls: { maxOverageUnits: ${e.cap} } }`);
  });
  return lines.join('\n') + '\n';
}

/** The last exception of a block active at `day`, if any: the later in the list wins. */
function winner(list: readonly Ex[], day: number): { e: Ex; i: number } | undefined {
  for (let i = list.length - 1; i >= 0; i--) {
    const e = list[i]!;
    if ((e.from ?? -Infinity) <= day && day < e.until) return { e, i };
  }
  return undefined;
}

const dirs: PolicyDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

describe('exceptions in precedence', () => {
  it('the effective spend limit is the highest active layer, for the customer and its entity', () => {
    fc.assert(
      fc.property(
        fc.array(exArb, { maxLength: 3 }),
        fc.array(exArb, { maxLength: 2 }),
        fc.option(fc.integer({ min: 1, max: 99 }), { nil: undefined }),
        fc.integer({ min: -2, max: 32 }),
        (customerEx, entityEx, entityCap, day) => {
          const customer = [
            ...ACME,
            yamlOf(customerEx, '', 'x').trimEnd(),
            'entities:',
            '  ws:',
            `    controls: ${entityCap === undefined ? '{}' : `{ calls: { maxOverageUnits: ${entityCap} } }`}`,
            yamlOf(entityEx, '    ', 'e').trimEnd(),
            '',
          ]
            .filter((l) => l !== '')
            .join('\n');
          const dir = policyDir({ 'catalog.yaml': CATALOG, 'acme.yaml': customer + '\n' });
          dirs.push(dir);
          const analysis = analyze(dir.path, { at: BASE + day * DAY, expiryWarningDays: 0 });
          expect(analysis.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
          const effective = analysis.customers.get('acme')!;
          const c = winner(customerEx, day);
          const calls = effective.features.calls!;
          expect(calls.maxOverageUnits).toBe(c ? c.e.cap : 500);
          expect(calls.sources.maxOverageUnits.layer).toBe(c ? 'exception' : 'customer');
          if (c) expect(calls.sources.maxOverageUnits.exception).toBe(`x${c.i}`);
          const entity = effective.entities.ws!.features.calls!;
          const en = winner(entityEx, day);
          const expected = en ? en.e.cap : entityCap ?? (c ? c.e.cap : 500);
          expect(entity.maxOverageUnits).toBe(expected);
          // nextChangeAt: the first boundary after the instant, of any exception
          const bounds = [...customerEx, ...entityEx].flatMap((e) => [e.from, e.until]).filter((b): b is number => b !== undefined && b > day);
          expect(analysis.customers.nextChangeAt()).toBe(bounds.length === 0 ? null : `${date(Math.min(...bounds))}T00:00:00Z`);
        },
      ),
      { numRuns: 60, seed: 12 },
    );
  });
});

describe('entities that leave a feature to their customer', () => {
  it("resolve it to the customer's own resolution; an entity that sets it, or whose active exception does, resolves it apart", () => {
    const catalog = CATALOG + ['---', 'kind: Feature', 'id: seats', 'type: metered', ''].join('\n');
    const plan = catalog.replace('  calls: {', '  seats: { included: 5, reset: never, pricing: included }\n  calls: {');
    const customer = [
      ...ACME,
      'entities:',
      '  quiet: {}',
      '  own:',
      '    controls: { calls: { maxOverageUnits: 40 } }',
      '  ended:',
      '    exceptions:',
      `      - { id: old, until: ${date(1)}, reason: test, controls: { calls: { maxOverageUnits: 9 } } }`,
      '  active:',
      '    exceptions:',
      `      - { id: now, until: ${date(30)}, reason: test, controls: { calls: { maxOverageUnits: 8 } } }`,
      '',
    ].join('\n');
    const dir = policyDir({ 'catalog.yaml': plan, 'acme.yaml': customer });
    dirs.push(dir);
    const analysis = analyze(dir.path, { at: BASE + 10 * DAY, expiryWarningDays: 0 });
    expect(analysis.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const effective = analysis.customers.get('acme')!;
    const calls = (entity: string) => effective.entities[entity]!.features.calls!;
    // one object: what the customer's calls resolved to, value and sources
    expect(calls('quiet')).toBe(effective.features.calls);
    expect(calls('ended')).toBe(effective.features.calls);
    expect(effective.entities.own!.features.seats).toBe(effective.features.seats);
    expect([calls('own').maxOverageUnits, calls('own').sources.maxOverageUnits.layer]).toEqual([40, 'entity']);
    expect([calls('active').maxOverageUnits, calls('active').sources.maxOverageUnits.exception]).toEqual([8, 'now']);
    expect(calls('active').sources.maxOverageUnits.overridden.map((o) => o.value)).toEqual([500, 7]);
  });
});
