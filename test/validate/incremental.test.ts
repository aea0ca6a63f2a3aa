// Validate from the index of the last run (src/validate/incremental.ts) against a whole analysis without any cache:
// for random sequences of edits, the same diagnostics after every step.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/validate/index.js';
import { validateIncrementally as validateWith } from '../../src/validate/incremental.js';

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
  customerFiles = [
    ...readdirSync(path.join(base, 'policies/customers')).map((f) => `customers/${f}`),
    ...readdirSync(path.join(base, 'policies/entities')).map((f) => `entities/${f}`),
  ].sort();
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

/** One change a person might make to the policy directory. */
type Edit =
  | { op: 'plan'; file: number; plan: string }
  | { op: 'rename'; file: number; name: string }
  | { op: 'entity'; file: number; customer: number | 'ghost'; warn: boolean }
  | { op: 'duplicate'; file: number; of: number }
  | { op: 'exception'; file: number }
  | { op: 'break'; file: number }
  | { op: 'delete'; file: number }
  | { op: 'restore'; file: number }
  | { op: 'add'; name: string; plan: string }
  | { op: 'profile'; units: number }
  | { op: 'shared-customer'; of: number }
  | { op: 'touch'; file: number };

const fileIndex = fc.nat({ max: 15 });
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant('plan' as const), file: fileIndex, plan: fc.constantFrom('free', 'pro', 'scale-credits', 'prp') }),
  fc.record({ op: fc.constant('rename' as const), file: fileIndex, name: fc.constantFrom('Acme', 'Globex Corp', 'X') }),
  fc.record({ op: fc.constant('entity' as const), file: fileIndex, customer: fc.oneof(fileIndex, fc.constant('ghost' as const)), warn: fc.boolean() }),
  fc.record({ op: fc.constant('duplicate' as const), file: fileIndex, of: fileIndex }),
  fc.record({ op: fc.constant('exception' as const), file: fileIndex }),
  fc.record({ op: fc.constant('break' as const), file: fileIndex }),
  fc.record({ op: fc.constant('delete' as const), file: fileIndex }),
  fc.record({ op: fc.constant('restore' as const), file: fileIndex }),
  fc.record({ op: fc.constant('add' as const), name: fc.constantFrom('cust_new', 'cust_newer', 'cust_123'), plan: fc.constantFrom('pro', 'free', 'gold') }),
  fc.record({ op: fc.constant('profile' as const), units: fc.constantFrom(500, 600, -1) }),
  fc.record({ op: fc.constant('touch' as const), file: fileIndex }),
  fc.record({ op: fc.constant('shared-customer' as const), of: fileIndex }),
);

/** The customer id a customer file defines (the first `id:` of a Customer document), else that of a standalone entity's customer. */
function customerIn(text: string): string {
  return /^id: (\S+)/m.exec(text.split(/^kind: Customer$/m)[1] ?? '')?.[1] ?? /^customer: (\S+)/m.exec(text)?.[1] ?? 'cust_123';
}

/** Applies an edit to the directory; each write gets an mtime of its own, so that only the stat tells a change. */
function apply(dir: string, e: Edit, step: number): void {
  const file = (i: number) => path.join(dir, customerFiles[i % customerFiles.length]!);
  const original = (i: number) => readFileSync(path.join(base, 'policies', customerFiles[i % customerFiles.length]!), 'utf8');
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
  const write = (f: string, text: string) => {
    writeFileSync(f, text);
    const when = new Date(Date.UTC(2026, 0, 1) + step * 1000);
    utimesSync(f, when, when);
  };
  switch (e.op) {
    case 'plan':
      return write(file(e.file), read(file(e.file)).replace(/^plan: \S+/m, `plan: ${e.plan}`));
    case 'rename':
      return write(file(e.file), read(file(e.file)).replace(/^name: .*$/m, `name: ${e.name}`));
    case 'entity': {
      const owner = e.customer === 'ghost' ? 'cust_ghost' : customerIn(original(e.customer));
      const controls = e.warn ? '\ncontrols:\n  api_calls: { overage: block, maxOverageUnits: 10 }' : '';
      return write(file(e.file), `${read(file(e.file))}\n---\nkind: Entity\ncustomer: ${owner}\nid: extra_${step}${controls}\n`);
    }
    case 'duplicate':
      return write(file(e.file), `${read(file(e.file))}\n---\nkind: Customer\nid: ${customerIn(original(e.of))}\nplan: pro\n`);
    case 'exception':
      return write(file(e.file), `${read(file(e.file))}\n---\nkind: Customer\nid: timed_${step}\nplan: pro\nexceptions:\n  - id: peak\n    from: 2026-11-20\n    until: 2026-11-28\n    reason: peak\n    controls:\n      api_calls: { maxOverageUnits: 10 }\n`);
    case 'break':
      return write(file(e.file), `${read(file(e.file))}\n---\nkind: Customer\nid: [unclosed\n`);
    case 'delete':
      if (existsSync(file(e.file))) unlinkSync(file(e.file));
      return;
    case 'restore':
      return write(file(e.file), original(e.file));
    case 'add':
      return write(path.join(dir, `customers/${e.name}-added.yaml`), `kind: Customer\nid: ${e.name}\nplan: ${e.plan}\n`);
    case 'profile': {
      const profile = path.join(dir, 'profiles/enterprise-strict.yaml');
      return write(profile, read(profile).replace(/maxOverageUnits: -?\d+ /, `maxOverageUnits: ${e.units} `));
    }
    case 'shared-customer': {
      // a customer id defined again in a definition file: the duplicate is reported there, in the definitions' part
      const profile = path.join(dir, 'profiles/enterprise-strict.yaml');
      return write(profile, `${read(profile)}\n---\nkind: Customer\nid: ${customerIn(original(e.of))}\nplan: pro\n`);
    }
    case 'touch': {
      // the same text written again: a new stat, the same hash
      const f = file(e.file);
      if (existsSync(f)) write(f, read(f));
    }
  }
}

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
