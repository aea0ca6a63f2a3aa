// The plain-layout reader (src/load/plain-layout.ts) reads a file exactly as parsePolicyYaml's `yaml` path does
// — values, key order, the offsets of every key and value, document spans — or declines it. Compared here on
// every policy file of the repository, a generated fleet, and thousands of randomly edited files.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPlainLayout, type PlainDocument } from '../../src/load/plain-layout.js';
import { POSITIONS } from '../../src/load/positions.js';
import { parsePolicyYaml } from '../../src/load/yaml.js';
import { SourceFile } from '../../src/util/source-file.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A value with the offsets of every container spelled out beside it, and its keys in enumeration order. */
function described(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return Number.isNaN(value) ? 'NaN' : value;
  const positions = (value as { [POSITIONS]?: number[] })[POSITIONS];
  if (Array.isArray(value)) return { positions, items: value.map(described) };
  return { positions, entries: Object.keys(value).map((k) => [k, described((value as Record<string, unknown>)[k])]) };
}

function describedDocs(docs: Array<Pick<PlainDocument, 'index' | 'value' | 'span'>>): unknown {
  return docs.map((d) => ({ index: d.index, span: d.span, value: described(d.value) }));
}

/** What the plain reader makes of `text`, checked against `yaml`: undefined when it declines. */
function readChecked(text: string): PlainDocument[] | undefined {
  const plain = readPlainLayout(text);
  if (plain === undefined) return undefined;
  const library = parsePolicyYaml(new SourceFile('policy.yaml', text), { plain: false });
  expect(library.diagnostics.map((d) => d.message), JSON.stringify(text)).toEqual([]);
  expect(describedDocs(plain), JSON.stringify(text)).toEqual(describedDocs(library.docs));
  return plain;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...yamlFiles(full));
    else if (/\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out.sort();
}

let fleet: string;

beforeAll(async () => {
  fleet = mkdtempSync(path.join(os.tmpdir(), 'tollgate-plain-'));
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, [path.join(REPO, 'scripts/bench/generate-fleet.mjs'), '--customers', '80', '--out', fleet], (error) => (error ? reject(error) : resolve())),
  );
}, 60_000);

afterAll(() => rmSync(fleet, { recursive: true, force: true }));

describe('the plain-layout reader', () => {
  it('reads every policy file of the repository as yaml does, or declines it', () => {
    const files = ['policies', 'examples', 'test/cases'].flatMap((d) => yamlFiles(path.join(REPO, d)));
    let read = 0;
    for (const file of files) if (readChecked(readFileSync(file, 'utf8'))) read++;
    expect(files.length).toBeGreaterThan(150);
    // most are plain; the rest (indented comment lines, block scalars, broken on purpose) go to yaml
    expect(read).toBeGreaterThan(files.length / 2);
  });

  it("reads every customer file of a generated fleet, which is what makes a fleet's cold run fast", () => {
    const customers = yamlFiles(path.join(fleet, 'customers'));
    expect(customers.length).toBe(80);
    for (const file of customers) expect(readChecked(readFileSync(file, 'utf8')), file).toBeDefined();
  });

  it('reads randomly edited files as yaml does, or declines them', () => {
    const bases = [...yamlFiles(path.join(REPO, 'policies')), ...yamlFiles(path.join(fleet, 'customers')).slice(0, 20)]
      .map((f) => readFileSync(f, 'utf8'))
      .filter((t) => readPlainLayout(t) !== undefined);
    expect(bases.length).toBeGreaterThan(20);
    const pieces = [' ', '  ', '\n', '#', ': ', ':', '- ', '-', '"', "'", '{', '}', '[', ']', ', ', '&a ', '*a', '!', '|', '>', 'x', '0', '1.5', '.', '\t', '\r', '~', 'null', 'True', '---\n', '\n  ', '\n    ', 'key: ', '0x1F', '1e400', '\\', '%', '@', '?', '  #c', '\n#c\n', '\n  #c\n', "''"];
    let seed = 20261127;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return Math.floor((seed / 0x80000000) * n);
    };
    let read = 0;
    const cases = 4000;
    for (let n = 0; n < cases; n++) {
      let text = bases[random(bases.length)]!;
      for (let edits = 1 + random(3); edits > 0; edits--) {
        const at = random(text.length);
        const kind = random(10);
        if (kind < 4) text = text.slice(0, at) + pieces[random(pieces.length)] + text.slice(at);
        else if (kind < 7) text = text.slice(0, at) + text.slice(at + 1 + random(3));
        else text = text.slice(0, at) + pieces[random(pieces.length)] + text.slice(at + 1);
      }
      if (readChecked(text)) read++;
    }
    // both sides of the line are exercised
    expect(read).toBeGreaterThan(cases / 10);
    expect(read).toBeLessThan(cases * 0.9);
  });

  it('reads every character where a scalar, a key or a line may hold it as yaml does: only spaces are white space', () => {
    // control characters, Latin-1 and the Unicode spaces, line and paragraph separators, a byte-order mark, a lone surrogate
    const specials = [0x85, 0xa0, 0x1680, 0x2000, 0x2007, 0x200a, 0x200b, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xd800, 0xfeff, 0xfffe];
    const codes = [...Array.from({ length: 0x180 }, (_, c) => c), ...specials].filter((c) => c !== 9 && c !== 10 && c !== 13);
    let read = 0;
    for (const ch of codes.map((c) => String.fromCharCode(c))) {
      const texts = [`a: b${ch}c\n`, `a: ${ch}b\n`, `a${ch}: 1\n`, `a: [x${ch}, y]\n`, `a: "q${ch}"\n`, `${ch}a: 1\n`, `a: 1\n${ch}\n`, `a: 1 ${ch}\n`, `a:${ch}1\n`, `- a${ch}\n`, `a:\n  - b${ch}\n`, `a: {b: ${ch}}\n`];
      for (const text of texts) if (readChecked(text)) read++;
    }
    expect(read).toBeGreaterThan(codes.length);
  });

  it('types plain scalars as yaml does, keys included', () => {
    const text = [
      'hex: 0x1F',
      'octal: 0o17',
      'leading: 007',
      'float: 1.50',
      'exp: 1e3',
      'huge: 1e400',
      'inf: -.inf',
      'nan: .NaN',
      'tilde: ~',
      'empty_null: null',
      'bool: True',
      'no: no',
      'date: 2026-11-27',
      'quoted: "0x1F"',
      "single: 'it''s'",
      'negative: -5',
      'name: Smith & Sons, Inc. #1 (a comment)',
      'url: https://example.com/a#b',
      '1e400: big key',
      '10: ten',
      '2: two',
      'true: key',
      'flow: { a: 1.0, b: "x, y", c: ~, d: -2 }',
      'list: [0x10, .5, "q", plain words]',
      'empty: []',
      'none: {}',
      '__proto__: own',
      'inner: { __proto__: own }',
    ].join('\n');
    const docs = readChecked(text);
    expect(docs).toBeDefined();
    const value = docs![0]!.value as Record<string, unknown>;
    expect(value).toMatchObject({ hex: 31, octal: 15, leading: 7, float: 1.5, huge: '1e400', inf: '-.inf', tilde: null, bool: true, no: 'no', quoted: '0x1F', single: "it's", name: 'Smith & Sons, Inc.', Infinity: 'big key' });
    // `__proto__` is a member like any other, never the object's prototype
    expect(Object.hasOwn(value, '__proto__') && Object.getPrototypeOf(value) === Object.prototype).toBe(true);
    expect(Object.getOwnPropertyDescriptor(value.inner, '__proto__')?.value).toBe('own');
    // integer-like keys come first, as in any object; their offsets follow them
    expect(Object.keys(value).slice(0, 2)).toEqual(['2', '10']);
  });

  it('reads several documents, comment lines at column 0 and lists at their key’s column', () => {
    const text = '# header\n\n---\nkind: Customer\nid: a\n# note\nentities:\n- x\n- y: 1\n  z: [a, b]   # trailing\n---\nkind: Entity\nid: b\n';
    expect(readChecked(text)?.map((d) => d.index)).toEqual([0, 1]);
  });

  // each goes to yaml, which reads it (or reports it) with its own rules
  it.each([
    ['an anchor and an alias', 'a: &x 1\nb: *x\n'],
    ['a tag', 'a: !!str 1\n'],
    ['a plain scalar over two lines', 'a: one\n  two\n'],
    ['a block scalar', 'a: |\n  text\n'],
    ['an indented comment line', 'a:\n  b: 1\n  # note\nc: 2\n'],
    ['a line of spaces', 'a: 1\n   \nb: 2\n'],
    ['a tab', 'a:\t1\n'],
    ['CRLF line ends', 'a: 1\r\nb: 2\r\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['an empty value', 'a:\nb: 1\n'],
    ['a trailing ---', 'a: 1\n---\n'],
    ['an escape', 'a: "x\\ty"\n'],
    ['a nested flow collection', 'a: { b: [1] }\n'],
    ['a trailing comma', 'a: [1, 2, ]\n'],
    ['a mapping inside a plain scalar', 'a: b: c\n'],
    ['a quoted key', '"a": 1\n'],
    ['a misaligned key', 'a:\n  b: 1\n c: 2\n'],
    ['a list item at a mapping’s column', 'a: 1\n- b\n'],
    ['a directive', '%YAML 1.2\n---\na: 1\n'],
    ['a top-level list', '- a\n- b\n'],
    ['an empty file', ''],
  ])('declines %s', (_what, text) => {
    expect(readPlainLayout(text)).toBeUndefined();
  });

  it('leaves what yaml reports to yaml: a duplicate key, a key past 1024 characters are still located errors', () => {
    const parsed = parsePolicyYaml(new SourceFile('p.yaml', 'kind: Plan\nid: a\nid: b\n'));
    expect(parsed.diagnostics.map((d) => [d.code, d.line])).toEqual([['yaml-duplicate-key', 3]]);
    for (const text of [`${'k'.repeat(1025)}: 1\n`, `kind: Plan\nid: a\nx:\n- ${'k'.repeat(1025)}: 1\n`]) {
      expect(parsePolicyYaml(new SourceFile('p.yaml', text)).diagnostics.map((d) => d.code)).toEqual(['yaml-syntax']);
    }
    // a long key within the limit is read, by either reader
    expect(readChecked(`${'k'.repeat(1000)}: 1\n`)).toBeDefined();
  });
});
