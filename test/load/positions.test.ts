import { describe, expect, it } from 'vitest';
import { spanOf } from '../../src/load/positions.js';
import { SourceFile } from '../../src/util/source-file.js';
import { locate, parsePolicyYaml } from '../../src/load/yaml.js';

/** A mapping with `n` keys, parsed as tollgate parses policy files. */
function bigMapping(n: number) {
  const text = 'entities:\n' + Array.from({ length: n }, (_, i) => `  seat_${i}: { name: s${i} }\n`).join('');
  const { docs } = parsePolicyYaml(new SourceFile('big.yaml', text));
  return docs[0]!;
}

describe('locating keys of one large mapping', () => {
  it('finds every key at its own line', () => {
    const doc = bigMapping(2000);
    for (const i of [0, 1, 999, 1999]) {
      expect(locate(doc, `/entities/seat_${i}`, 'key')).toMatchObject({ line: i + 2, column: 3, pointer: `/entities/seat_${i}` });
    }
    expect(spanOf((doc.value as { entities: object }).entities, 'seat_2000')).toBeUndefined();
  });

  it('walks the keys of the mapping once, not once per lookup (so a customer with N entities is not N² work)', () => {
    const doc = bigMapping(2000);
    const entities = (doc.value as { entities: object }).entities;
    let walks = 0;
    const counted = new Proxy(entities, {
      ownKeys(target) {
        walks++;
        return Reflect.ownKeys(target);
      },
    });
    for (let i = 0; i < 2000; i++) expect(spanOf(counted, `seat_${i}`)).toBeDefined();
    expect(walks).toBe(1);
  });

  it('still scans a small mapping without keeping an index for it', () => {
    const doc = bigMapping(3);
    expect(locate(doc, '/entities/seat_2/name')).toMatchObject({ line: 4, column: 19 });
    expect(spanOf((doc.value as { entities: object }).entities, 'seat_3')).toBeUndefined();
  });
});

describe('keys that objects list first', () => {
  it('keeps each key at its own place when integer-like keys come after others', () => {
    const text = 'm:\n  b: 1\n  "20": x\n  a: 3\n  3: y\n  "007": z\n';
    const doc = parsePolicyYaml(new SourceFile('x.yaml', text)).docs[0]!;
    expect(Object.keys((doc.value as { m: object }).m)).toEqual(['3', '20', 'b', 'a', '007']);
    expect(['b', '20', 'a', '3', '007'].map((k) => locate(doc, `/m/${k}`, 'key').line)).toEqual([2, 3, 4, 5, 6]);
  });
});
