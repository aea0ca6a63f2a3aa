// Customers checked as the artifact is written (src/validate/unchecked.ts), as `compile` to a file does: the
// diagnostics are those of an analysis that checks every customer first, however each customer's text was come by.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { analyze, type Analysis } from '../../src/validate/index.js';
import { writeEffectivePolicy, type CompiledCustomers } from '../../src/resolve/stream.js';
import { compileCustomer } from '../../src/resolve/compiled.js';
import { PolicyCache } from '../../src/cache/policy-cache.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const AT = Date.parse('2026-11-26T12:00:00Z');
let dir: string;

beforeAll(() => {
  dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'tollgate-unchecked-')), 'policies');
  cpSync(path.join(REPO, 'policies'), dir, { recursive: true });
  // guardrails need every customer's checks before anything is written: without them, the checks can wait
  rmSync(path.join(dir, 'guardrails'), { recursive: true });
  writeFileSync(
    path.join(dir, 'customers/late-findings.yaml'),
    [
      // an error only the resolved policy shows: a profile's top-up of API calls, which pro sells none of
      'kind: Profile\nid: auto-refill\ncontrols: { api_calls: { autoTopup: { threshold: 10, quantity: 100 } } }\n',
      'kind: Customer\nid: topped_up\nplan: pro\nextends: [auto-refill]\n',
      // a warning: a spend limit where overage is blocked
      'kind: Customer\nid: blocked_cap\nplan: pro\ncontrols: { api_calls: { overage: block, maxOverageUnits: 10 } }\n',
    ].join('---\n'),
  );
});

afterAll(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

async function write(analysis: Analysis, cache?: CompiledCustomers): Promise<string> {
  const chunks: string[] = [];
  await writeEffectivePolicy(analysis.customers, (chunk) => void chunks.push(chunk), undefined, cache, undefined, analysis.unchecked);
  return chunks.join('');
}

it('leaves the customers to the writer, and finds what checking them first finds', async () => {
  const first = analyze(dir, { at: AT });
  const codes = first.diagnostics.map((d) => d.code);
  expect(codes).toEqual(expect.arrayContaining(['auto-topup-without-price', 'ineffective-spend-limit']));

  const later = analyze(dir, { at: AT, checkWhileWriting: true });
  expect(later.unchecked?.size).toBe(later.customers.size);
  expect(later.diagnostics.map((d) => d.code)).not.toContain('auto-topup-without-price');
  const artifact = await write(later);
  expect(later.unchecked!.size).toBe(0);
  expect(later.unchecked!.finish()).toEqual(first.diagnostics);
  expect(artifact === (await write(first))).toBe(true);
});

it('checks a customer whose text came from the compiled cache, and any the writer never reached', async () => {
  const first = analyze(dir, { at: AT });
  // texts as the compiled cache gives them: without the checks of the resolution they came from
  const fromCache: CompiledCustomers = { get: (id) => compileCustomer(first.customers.get(id)!) };
  const later = analyze(dir, { at: AT, checkWhileWriting: true });
  await write(later, fromCache);
  expect(later.unchecked!.finish()).toEqual(first.diagnostics);

  const unwritten = analyze(dir, { at: AT, checkWhileWriting: true });
  expect(unwritten.unchecked!.finish()).toEqual(first.diagnostics);
});

it('checks first where results are needed before writing: the policy digest, guardrails', () => {
  expect(analyze(dir, { at: AT, checkWhileWriting: true, digest: true }).unchecked).toBeUndefined();
  const withGuardrails = analyze(path.join(REPO, 'policies'), { at: AT, checkWhileWriting: true });
  expect(withGuardrails.unchecked).toBeUndefined();
  expect(withGuardrails.diagnostics).toEqual(analyze(path.join(REPO, 'policies'), { at: AT }).diagnostics);
});

it('caps the diagnostics of a file once, those of customers checked from the cache and while writing together', async () => {
  const dir2 = path.join(path.dirname(dir), 'capped', 'policies');
  cpSync(dir, dir2, { recursive: true });
  rmSync(path.join(dir2, 'customers/late-findings.yaml'));
  // 60 customers whose spend limit has no effect (a warning each), and 5 more with exceptions, which are never
  // cached (what they resolve to depends on the instant): the same warning, in one file
  const blocked = (i: number) => `kind: Customer\nid: blocked_${i}\nplan: pro\ncontrols: { api_calls: { overage: block, maxOverageUnits: ${i + 1} } }\n`;
  const excepted = (i: number) => `${blocked(100 + i)}exceptions:\n  - { id: peak, until: "2026-12-31T00:00:00Z", reason: Peak, controls: { api_calls: { maxOverageUnits: 7 } } }\n`;
  writeFileSync(path.join(dir2, 'customers/many.yaml'), [...Array.from({ length: 60 }, (_, i) => blocked(i)), ...Array.from({ length: 5 }, (_, i) => excepted(i))].join('---\n'));
  const home = path.join(path.dirname(dir2), 'home');
  const warm = new PolicyCache(home);
  analyze(dir2, { at: AT, cache: warm });
  warm.save();

  const expected = analyze(dir2, { at: AT }).diagnostics;
  const counted = expected.find((d) => d.code === 'ineffective-spend-limit' && d.omitted !== undefined);
  expect(counted?.omitted).toBe(65 - 50);
  const later = analyze(dir2, { at: AT, checkWhileWriting: true, cache: new PolicyCache(home) });
  expect(later.unchecked?.size).toBeGreaterThanOrEqual(5);
  expect(later.unchecked!.finish()).toEqual(expected);
});
