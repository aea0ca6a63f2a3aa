import { afterEach, describe, expect, it, vi } from 'vitest';
import { SourceFile } from '../../src/util/source-file.js';
import { parsePolicyYaml } from '../../src/load/yaml.js';
import { validateShape } from '../../src/validate/schema.js';

// Work that grows with the square of one mapping's size, counted rather than timed.

afterEach(() => {
  vi.restoreAllMocks();
});

function customerWithInvalidEntities(n: number) {
  const lines = ['kind: Customer', 'id: big', 'plan: pro', 'entities:'];
  for (let i = 0; i < n; i++) lines.push(`  seat_${i}:`, '    controls: { api_calls: { maxOverageUnits: lots } }');
  return parsePolicyYaml(new SourceFile('big.yaml', lines.join('\n') + '\n')).docs[0]!;
}

describe('schema errors of one large document', () => {
  it('are gathered without copying the list of earlier errors once per invalid entity', () => {
    const doc = customerWithInvalidEntities(2000);
    validateShape(doc); // compile the validators first
    let copied = 0;
    const concat = Array.prototype.concat;
    vi.spyOn(Array.prototype, 'concat').mockImplementation(function (this: unknown[], ...items: unknown[]) {
      copied += this.length;
      return concat.apply(this, items);
    });
    const { diagnostics } = validateShape(doc);
    expect(diagnostics).toHaveLength(2000);
    expect(diagnostics[1999]).toMatchObject({ code: 'invalid-value', pointer: '/entities/seat_1999/controls/api_calls/maxOverageUnits' });
    expect(copied).toBeLessThan(2000);
  });
});
