import { afterEach, describe, expect, it } from 'vitest';
import { capDiagnostics, DIAGNOSTICS_PER_CODE_AND_FILE } from '../../src/diagnostics/cap.js';
import { summarize, type Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { diagnosticFormatters, DIAGNOSTIC_FORMATS } from '../../src/diagnostics/format/index.js';
import { analyze } from '../../src/validate/index.js';
import { policyDir, yaml, type PolicyDir } from '../helpers/policy-dir.js';

const dirs: PolicyDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

const FEATURES = yaml`
  kind: Feature
  id: calls
  type: metered
`;
const PLAN = yaml`
  kind: Plan
  id: pro
  currency: USD
  features:
    calls: { included: 1000, reset: month, pricing: usage_based, price: { amount: 100, per: 1000 } }
`;

/** A customer whose controls name `n` features that do not exist, and one real one. */
function customerWithUnknownFeatures(n: number): string {
  const lines = ['kind: Customer', 'id: big', 'plan: pro', 'controls:', '  calls: { overage: allow }'];
  for (let i = 0; i < n; i++) lines.push(`  feat_${String(i).padStart(4, '0')}: { maxOverageUnits: 1 }`);
  return lines.join('\n') + '\n';
}

function analyzed(files: Record<string, string>) {
  const dir = policyDir({ 'features.yaml': FEATURES, 'plan.yaml': PLAN, ...files });
  dirs.push(dir);
  return { dir, analysis: analyze(dir.path) };
}

describe('many diagnostics of one code in one file', () => {
  it(`lists the first ${DIAGNOSTICS_PER_CODE_AND_FILE} and counts the rest in one diagnostic at the first left out`, () => {
    const { dir, analysis } = analyzed({ 'big.yaml': customerWithUnknownFeatures(2000) });
    const shown = analysis.diagnostics;
    expect(shown).toHaveLength(DIAGNOSTICS_PER_CODE_AND_FILE + 1);
    expect(shown.slice(0, 50).map((d) => d.pointer)).toEqual(Array.from({ length: 50 }, (_, i) => `/controls/feat_${String(i).padStart(4, '0')}`));
    const count = shown[50]!;
    expect(count).toMatchObject({ code: 'unknown-feature', severity: 'error', file: dir.shown('big.yaml'), line: 56, column: 3, pointer: '/controls', omitted: 1950 });
    expect(count.message).toBe('…and 1,950 more unknown features under "controls" (lines 56 to 2,005), not listed one by one.');
    expect(summarize(shown)).toEqual({ errors: 2000, warnings: 0 });
    const ctx = { sources: analysis.sources, color: false, toolVersion: '0.0.0' };
    expect(diagnosticFormatters.stylish(shown, ctx).trimEnd().split('\n').at(-1)).toBe('✖ 2,000 errors');
  });

  it('says so in every output format, with the full count in the summaries', () => {
    const { analysis } = analyzed({ 'big.yaml': customerWithUnknownFeatures(200) });
    const ctx = { sources: analysis.sources, color: false, toolVersion: '0.0.0' };
    for (const format of DIAGNOSTIC_FORMATS) {
      const out = diagnosticFormatters[format](analysis.diagnostics, ctx);
      expect(out, format).toContain('…and 150 more unknown features under ');
    }
    const json = JSON.parse(diagnosticFormatters.json(analysis.diagnostics, ctx)) as { diagnostics: unknown[]; summary: unknown };
    expect(json.diagnostics).toHaveLength(51);
    expect(json.summary).toEqual({ errors: 200, warnings: 0 });
    expect(diagnosticFormatters.stylish(analysis.diagnostics, ctx).trimEnd().split('\n').at(-1)).toBe('✖ 200 errors');
    const sarif = JSON.parse(diagnosticFormatters.sarif(analysis.diagnostics, ctx)) as { runs: Array<{ results: unknown[] }> };
    expect(sarif.runs[0]!.results).toHaveLength(51);
    expect(diagnosticFormatters.github(analysis.diagnostics, ctx).trimEnd().split('\n')).toHaveLength(51);
  });

  it('counts per code and per file: other codes and other files keep their own lists', () => {
    const many = customerWithUnknownFeatures(60) + '---\nkind: Feature\nid: other\ntype: metered\nbogus: 1\n';
    const { analysis } = analyzed({ 'a.yaml': many, 'b.yaml': many.replace('id: big', 'id: big2').replace('id: other', 'id: other2') });
    const byFile = (f: string) => analysis.diagnostics.filter((d) => d.file.endsWith(f));
    for (const f of ['a.yaml', 'b.yaml']) {
      expect(byFile(f).filter((d) => d.code === 'unknown-key')).toHaveLength(1);
      expect(byFile(f).filter((d) => d.code === 'unknown-feature')).toHaveLength(51);
    }
  });

  it('leaves a list at the limit, or one over it, as it is', () => {
    const make = (i: number): Diagnostic => ({ code: 'unknown-key', severity: 'warning', message: `m${i}`, file: 'f.yaml', line: i + 1, column: 1, endLine: i + 1, endColumn: 2, pointer: `/k${i}` });
    const list = Array.from({ length: 51 }, (_, i) => make(i));
    expect(capDiagnostics(list)).toEqual(list);
    const capped = capDiagnostics([...list, make(51)]);
    expect(capped).toHaveLength(51);
    expect(capped[50]).toMatchObject({ severity: 'warning', message: '…and 2 more unknown keys in this file (lines 51 to 52), not listed one by one.', omitted: 2, pointer: '' });
    expect(summarize(capped)).toEqual({ errors: 0, warnings: 52 });
  });
});
