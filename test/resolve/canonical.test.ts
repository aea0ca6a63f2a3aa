// canonicalJson and strippedJson write sorted JSON in one pass; they must give exactly the text of sorting a copy
// of the value and stringifying it, for any JSON value (and the undefined members resolution may leave).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, strippedJson } from '../../src/resolve/canonical.js';

/** The reference: a sorted copy without undefined members (and without `omit` keys), then JSON.stringify. */
function sortedCopy(value: unknown, omit?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => sortedCopy(v, omit));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (key !== omit && v !== undefined) out[key] = sortedCopy(v, omit);
  }
  return out;
}

const value = fc.letrec((tie) => ({
  any: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined), tie('array'), tie('object')),
  array: fc.array(tie('any'), { maxLength: 4 }),
  object: fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('sources', 'a', 'b', 'é', '10', '2', '01', '0', '-1', '1.5', '4294967294', '4294967295', '99999999999')), tie('any'), { maxKeys: 5 }),
})).any;

describe('canonical JSON', () => {
  it('is the JSON of a sorted copy, with and without provenance', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(JSON.stringify(sortedCopy(v)));
        expect(strippedJson(v)).toBe(JSON.stringify(sortedCopy(v, 'sources')));
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});
