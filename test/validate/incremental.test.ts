// Validate from the index of the last run (src/validate/incremental.ts) against a whole analysis without any cache:
// for random sequences of edits, the same diagnostics after every step.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/validate/index.js';
import { validateIncrementally as validateWith } from '../../src/validate/incremental.js';
import { applyEdit, customerFilesOf, edit, type Edit } from '../helpers/policy-edits.js';

/** As the command line calls it: the index under the cache folder. */
const validateIncrementally = (dir: string, options: { cacheDir: string; at: number; racyMs: number }) =>
  validateWith(dir, { at: options.at, racyMs: options.racyMs, index: path.join(options.cacheDir, 'validate.index') });

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const AT = Date.parse('2026-11-26T12:00:00Z');

let base: string;
let customerFiles: string[];

beforeAll(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'tollgate-incremental-'));
  cpSync(path.join(REPO, 'policies'), path.join(base, 'policies'), { recursive: true });
  // guardrails and waivers make every run whole (their tally spans every customer); the rest divides
  rmSync(path.join(base, 'policies/guardrails'), { recursive: true });
  customerFiles = customerFilesOf(path.join(base, 'policies'));
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

/** Applies an edit to the directory (test/helpers/policy-edits.ts). */
const apply = (dir: string, e: Edit, step: number): void => void applyEdit(dir, { original: path.join(base, 'policies'), customerFiles }, e, step);

describe('validate from the index of the last run', () => {
  it('reports what a whole analysis without a cache reports, after every edit of random sequences', () => {
    let run = 0;
    const modes: string[] = [];
    fc.assert(
      // each edit, then validate some days later: exceptions start and end between runs
      fc.property(fc.array(fc.tuple(edit, fc.constantFrom(0, 0, 3, 10)), { minLength: 1, maxLength: 8 }), (edits) => {
        const work = path.join(base, `run-${run++}`);
        cpSync(path.join(base, 'policies'), path.join(work, 'policies'), { recursive: true });
        const dir = path.join(work, 'policies');
        const cacheDir = path.join(work, 'cache');
        try {
          const first = validateIncrementally(dir, { cacheDir, at: AT, racyMs: 0 });
          expect(first.mode).toBe('whole');
          edits.forEach(([e, days], step) => {
            apply(dir, e, step + 1);
            const at = AT + days * 86_400_000;
            const expected = analyze(dir, { at }).diagnostics;
            const got = validateIncrementally(dir, { cacheDir, at, racyMs: 0 });
            modes.push(got.mode);
            expect(got.diagnostics).toEqual(expected);
          });
        } finally {
          rmSync(work, { recursive: true, force: true });
        }
      }),
      { numRuns: 60, seed: 20261126 },
    );
    // both ways were taken: the sequences exercise the reuse, not only the fallbacks
    expect(modes.filter((m) => m === 'incremental').length).toBeGreaterThan(50);
    expect(modes).toContain('whole');
  }, 240_000);

  it('checks only the changed group when one customer file changes, and reuses the rest', () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'tollgate-incremental-one-'));
    try {
      cpSync(path.join(base, 'policies'), path.join(work, 'policies'), { recursive: true });
      const dir = path.join(work, 'policies');
      const cacheDir = path.join(work, 'cache');
      expect(validateIncrementally(dir, { cacheDir, at: AT, racyMs: 0 }).mode).toBe('whole');
      apply(dir, { op: 'plan', file: 0, plan: 'prp' }, 1);
      const typo = validateIncrementally(dir, { cacheDir, at: AT, racyMs: 0 });
      expect(typo.mode).toBe('incremental');
      expect(typo.diagnostics.map((d) => [d.code, d.file.endsWith(customerFiles[0]!)])).toContainEqual(['unknown-plan', true]);
      expect(typo.diagnostics).toEqual(analyze(dir, { at: AT }).diagnostics);
      // a definition changes: every customer may resolve differently, so the run is whole
      apply(dir, { op: 'profile', units: 600 }, 2);
      expect(validateIncrementally(dir, { cacheDir, at: AT, racyMs: 0 }).mode).toBe('whole');
      // an entity of an unknown customer: its "did you mean" names any customer, so the run is whole, and the next
      apply(dir, { op: 'entity', file: 1, customer: 'ghost', warn: false }, 3);
      expect(validateIncrementally(dir, { cacheDir, at: AT, racyMs: 0 }).mode).toBe('whole');
      apply(dir, { op: 'restore', file: 1 }, 4);
      expect(validateIncrementally(dir, { cacheDir, at: AT, racyMs: 0 }).mode).toBe('whole');
      expect(validateIncrementally(dir, { cacheDir, at: AT, racyMs: 0 }).mode).toBe('incremental');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('ignores a damaged index and analyses the whole', () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'tollgate-incremental-damaged-'));
    try {
      cpSync(path.join(base, 'policies'), path.join(work, 'policies'), { recursive: true });
      const dir = path.join(work, 'policies');
      const cacheDir = path.join(work, 'cache');
      const expected = validateIncrementally(dir, { cacheDir, at: AT, racyMs: 0 }).diagnostics;
      const index = path.join(cacheDir, 'validate.index');
      const bytes = readFileSync(index);
      bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0x01;
      writeFileSync(index, bytes);
      const again = validateIncrementally(dir, { cacheDir, at: AT, racyMs: 0 });
      expect(again.mode).toBe('whole');
      expect(again.diagnostics).toEqual(expected);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
