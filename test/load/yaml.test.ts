import { describe, expect, it } from 'vitest';
import { SourceFile } from '../../src/util/source-file.js';
import { parsePolicyYaml } from '../../src/load/yaml.js';

function parse(text: string) {
  return parsePolicyYaml(new SourceFile('x.yaml', text));
}

describe('duplicate keys', () => {
  it('reports every repeated key of a block mapping, at the repetition, and drops the document', () => {
    const { docs, diagnostics } = parse('kind: Feature\nid: a\ntype: metered\nid: b\nname: x\nname: y\n');
    expect(docs).toEqual([]);
    expect(diagnostics.map((d) => [d.code, d.line, d.column, d.endColumn, d.message.split(';')[0]])).toEqual([
      ['yaml-duplicate-key', 4, 1, 3, 'Duplicate key "id"'],
      ['yaml-duplicate-key', 6, 1, 5, 'Duplicate key "name"'],
    ]);
  });

  it('finds them in flow mappings, with quoted keys, and keeps other documents of the file', () => {
    const { docs, diagnostics } = parse('a: { x: 1, "x": 2 }\n---\nkind: Feature\nid: ok\ntype: metered\n');
    expect(docs.map((d) => d.index)).toEqual([1]);
    expect(diagnostics.map((d) => [d.code, d.line, d.column, d.endColumn])).toEqual([['yaml-duplicate-key', 1, 12, 15]]);
  });

  it('reports a duplicate inside an anchored mapping once, not again at every alias', () => {
    const { diagnostics } = parse('a: &m { x: 1, x: 2 }\nb: *m\nc: *m\n');
    expect(diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['yaml-duplicate-key', 1, 15]]);
  });

  it('treats keys that convert to the same string as the same key', () => {
    const { diagnostics } = parse('features:\n  1: a\n  "1": b\n');
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([['yaml-duplicate-key', 3]]);
  });
});

describe('limits leave room for a real fleet', () => {
  it('reads one customer with 50,000 inline entities', () => {
    const lines = ['kind: Customer', 'id: big', 'plan: pro', 'entities:'];
    for (let i = 0; i < 50_000; i++) lines.push(`  seat_${i}: { name: Seat ${i} }`);
    const { docs, diagnostics } = parse(lines.join('\n') + '\n');
    expect(diagnostics).toEqual([]);
    expect(Object.keys((docs[0]!.value as { entities: object }).entities)).toHaveLength(50_000);
  });

  it('reads one customer and 50,000 Entity documents in one file', () => {
    const parts = ['kind: Customer\nid: big\nplan: pro\n'];
    for (let i = 0; i < 50_000; i++) parts.push(`---\nkind: Entity\nid: seat_${i}\ncustomer: big\n`);
    const { docs, diagnostics } = parse(parts.join(''));
    expect(diagnostics).toEqual([]);
    expect(docs).toHaveLength(50_001);
  });
});
