// A compacted customer's body is written member by member (features by hand): it must be exactly its canonical
// JSON, which is what parsing it and writing it canonically again gives, on the example policies, a generated
// fleet, and ids that sort as numbers or name the provenance ("sources").
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/resolve/canonical.js';
import { compactCustomer } from '../../src/resolve/compact-provenance.js';
import { analyze } from '../../src/validate/index.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tollgate-compact-body-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function bodies(dir: string): string[] {
  const analysis = analyze(dir, { at: Date.parse('2026-11-26T12:00:00Z') });
  expect(analysis.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return [...analysis.customers.entries()].map(([, customer]) => compactCustomer(customer).body);
}

describe('a compacted customer body', () => {
  it('is canonical JSON', () => {
    const example = path.join(tmp, 'example');
    cpSync(path.join(REPO, 'policies'), example, { recursive: true });
    // ids that an object lists first whatever their place (integer-like), and one named like the provenance
    writeFileSync(
      path.join(example, 'customers/odd-ids.yaml'),
      ['kind: Customer', 'id: odd', 'plan: pro', 'entities:', '  "10": { controls: { api_calls: { maxOverageUnits: 1 } } }', '  "2": {}', '  sources: {}', ''].join('\n'),
    );
    execFileSync(process.execPath, [path.join(REPO, 'scripts/bench/generate-fleet.mjs'), '--customers', '150', '--out', path.join(tmp, 'fleet')]);
    const all = [...bodies(example), ...bodies(path.join(tmp, 'fleet'))];
    expect(all.length).toBeGreaterThan(160);
    expect(all.some((b) => b.includes('"entities":{"2":'))).toBe(true);
    for (const body of all) expect(body).toBe(canonicalJson(JSON.parse(body)));
  });
});
