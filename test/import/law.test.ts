// The law of import (SPEC §10), as a property over states the emulators can hold: import, then plan against
// the same target, shows no changes; what tollgate cannot express is left as the billing system holds it, and
// survives a later apply. Runs through the engine API over real HTTP (the CLI is exercised in cli.test.ts).
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { startAutumnEmulator, type AutumnSeed, type BillingControls } from '../../src/emulate/autumn/emulator.js';
import { startOwostackEmulator, type OwostackSeed } from '../../src/emulate/owostack/emulator.js';
import { applyPlan } from '../../src/apply/apply.js';
import { makePlan } from '../../src/engine/plan.js';
import { adoptImported } from '../../src/import/adopt.js';
import { lockHolder, openBackend, selectBackend } from '../../src/backend/index.js';
import { remembered } from '../../src/engine/state.js';
import { importPolicies } from '../../src/import/import.js';
import { buildPolicySet } from '../../src/model/policy-set.js';
import { AutumnTarget } from '../../src/targets/autumn/autumn-target.js';
import { LocalTarget } from '../../src/targets/local/local-target.js';
import { OwostackTarget } from '../../src/targets/owostack/owostack-target.js';
import type { Target } from '../../src/targets/target.js';
import { analyze } from '../../src/validate/index.js';
import { liveAutumnControls, POLICY_FILES, POLICY_FILES_WITHOUT_PLAN_CONTROLS } from './fixtures.js';
import { autumnState, autumnStateWithCatalog, localState, owostackCustomers } from './states.js';

const KEY = 'am_sk_test_import_law';
const dirs: string[] = [];
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
  while (dirs.length > 0) rmSync(dirs.pop()!, { recursive: true, force: true });
});

/** A working directory holding the features and plans the generated states use, and nothing else. */
function workDir(files = POLICY_FILES): { cwd: string; dir: string } {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'tollgate-import-law-'));
  dirs.push(cwd);
  const dir = path.join(cwd, 'policies');
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return { cwd, dir };
}

/** Imports every customer into `dir`, checks the policies validate, adopts, and returns the plan a fresh target makes. */
async function importThenPlan(dir: string, target: () => Target, options: { plan?: string; catalog?: boolean } = {}) {
  const before = options.catalog ? { set: buildPolicySet([]).set } : analyze(dir);
  const result = await importPolicies({ dir, set: before.set, target: target(), profiles: true, now: new Date(0), root: path.dirname(dir), ...options });
  const analysis = analyze(dir, { digest: true });
  expect(analysis.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  // the state backend of this working directory (files under .tollgate/), as the CLI would open it
  const t = target();
  const backend = await openBackend(selectBackend('file'), { target: t.name, endpoint: t.endpoint }, { stateDir: path.join(path.dirname(dir), '.tollgate') });
  try {
    const taken = await backend.acquireLock(lockHolder('tollgate import'));
    if (!taken.ok) throw new Error(taken.message);
    try {
      await adoptImported(analysis, t, result.customers, { backend, lock: taken.lock, actor: 'import-law' });
    } finally {
      await taken.lock.release();
    }
    const plan = await makePlan(analysis, target(), { state: await remembered(backend) });
    return { result, analysis, plan };
  } finally {
    await backend.close();
  }
}

describe('import then plan shows no changes', () => {
  it('autumn: every state of customers, entities and their own entries, modeled or not', async () => {
    // What the runs went through, so that a generator that stopped producing a case is noticed.
    const seen = { imported: 0, entities: 0, profiles: 0, skipped: 0, foreign: 0 };
    await fc.assert(
      fc.asyncProperty(autumnState(), async (seed: AutumnSeed) => {
        const emu = await startAutumnEmulator({ port: 0, secretKey: KEY, rateLimit: 0 });
        closers.push(() => emu.close());
        emu.seed(seed);
        const controlsBefore = liveAutumnControls(emu.state());
        const { dir } = workDir();
        const target = () => new AutumnTarget({ secretKey: KEY, endpoint: emu.url, rateLimit: Infinity });
        const { result, plan } = await importThenPlan(dir, target);
        expect(plan.objects).toEqual([]);
        // Import and adoption wrote metadata only: every object holds the same billing controls.
        expect(liveAutumnControls(emu.state())).toEqual(controlsBefore);
        // Skipped customers were skipped for a reason, and every customer is either imported, skipped or holds nothing.
        for (const s of result.skipped) expect(s.reasons.length).toBeGreaterThan(0);
        seen.imported += result.customers.length;
        seen.entities += result.entities;
        seen.profiles += result.profiles.length;
        seen.skipped += result.skipped.length;
        seen.foreign += Object.values(controlsBefore).filter((o) => o.foreign.length > 0).length;

        // A later apply that changes every imported customer keeps the entries tollgate does not model.
        for (const id of result.customers) setOverage(path.join(dir, 'customers', `${id}.yaml`), 'block');
        const changed = analyze(dir, { digest: true });
        expect(changed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        const report = await applyPlan(await makePlan(changed, target()), target());
        expect(report.failed).toEqual([]);
        const after = liveAutumnControls(emu.state());
        for (const [object, entries] of Object.entries(controlsBefore)) {
          for (const entry of entries.foreign) expect(after[object]?.foreign).toContainEqual(entry);
        }
        await emu.close();
        closers.pop();
      }),
      { numRuns: 25, seed: 20261126 },
    );
    for (const [what, count] of Object.entries(seen)) expect(count, what).toBeGreaterThan(0);
  });

  it('autumn --catalog into an empty folder: any catalog plan controls, any customers', async () => {
    const seen = { imported: 0, plans: 0, skippedPlans: 0 };
    await fc.assert(
      fc.asyncProperty(autumnStateWithCatalog(), async (seed: AutumnSeed) => {
        const emu = await startAutumnEmulator({ port: 0, secretKey: KEY, rateLimit: 0 });
        closers.push(() => emu.close());
        emu.seed(seed);
        const controlsBefore = liveAutumnControls(emu.state());
        const { dir } = workDir({});
        const target = () => new AutumnTarget({ secretKey: KEY, endpoint: emu.url, rateLimit: Infinity });
        const { result, plan } = await importThenPlan(dir, target, { catalog: true });
        expect(plan.objects).toEqual([]);
        expect(liveAutumnControls(emu.state())).toEqual(controlsBefore);
        seen.imported += result.customers.length;
        seen.plans += result.catalogPlans.length;
        seen.skippedPlans += result.skippedPlans.length + result.skipped.filter((s) => s.reasons.some((r) => r.includes('cannot be written'))).length;
        await emu.close();
        closers.pop();
      }),
      { numRuns: 25, seed: 20261127 },
    );
    for (const [what, count] of Object.entries(seen)) expect(count, what).toBeGreaterThan(0);
  });

  it('local: every state file tollgate could have written', async () => {
    await fc.assert(
      fc.asyncProperty(localState(), async (state) => {
        const { cwd, dir } = workDir();
        const file = path.join(cwd, 'state.json');
        writeFileSync(file, JSON.stringify(state));
        const { plan } = await importThenPlan(dir, () => new LocalTarget(file));
        expect(plan.objects).toEqual([]);
      }),
      { numRuns: 40, seed: 20261126 },
    );
  });

  it('owostack: every customer config, with the plan named on the command line', async () => {
    await fc.assert(
      fc.asyncProperty(owostackCustomers(), async (customers: OwostackSeed['customers']) => {
        const emu = await startOwostackEmulator({ port: 0, secretKey: KEY, rateLimit: 0 });
        closers.push(() => emu.close());
        emu.seed({ customers });
        const { cwd, dir } = workDir(POLICY_FILES_WITHOUT_PLAN_CONTROLS);
        const target = () => new OwostackTarget({ secretKey: KEY, endpoint: `${emu.url}/v1` });
        const before = JSON.stringify(emu.state());
        const { plan } = await importThenPlan(dir, target, { plan: 'pro' });
        expect(plan.objects).toEqual([]);
        expect(JSON.stringify(emu.state())).toEqual(before);
        await emu.close();
        closers.pop();
      }),
      { numRuns: 25, seed: 20261126 },
    );
  });
});

describe('import leaves what exists alone', () => {
  it('never overwrites a file, and lists customers the policies already define', async () => {
    const { cwd, dir } = workDir();
    const file = path.join(cwd, 'state.json');
    writeFileSync(
      file,
      JSON.stringify({
        formatVersion: 1,
        objects: {
          'customer:a': { plan: 'pro', controls: { features: { api_calls: { maxOverageUnits: 10 } } } },
          'customer:b': { plan: 'pro', controls: { features: { api_calls: { maxOverageUnits: 20 } } } },
        },
      }),
    );
    writeFileSync(path.join(dir, 'customers.yaml'), 'kind: Customer\nid: a\nplan: pro\n');
    mkdirSync(path.join(dir, 'customers'));
    writeFileSync(path.join(dir, 'customers', 'b.yaml'), '# not a customer yet\n');
    const set = buildPolicySet([]).set;
    const result = await importPolicies({ dir, set: analyze(dir).set ?? set, target: new LocalTarget(file), now: new Date(0) });
    expect(result.customers).toEqual([]);
    expect(result.skipped.map((s) => s.id)).toEqual(['a', 'b']);
    expect(result.skipped[0]!.reasons[0]).toContain('already defined in the policies');
    expect(result.skipped[1]!.reasons[0]).toContain('already exists');
    expect(readFileSync(path.join(dir, 'customers', 'b.yaml'), 'utf8')).toBe('# not a customer yet\n');
    expect(readdirSync(path.join(dir, 'customers'))).toEqual(['b.yaml']);
  });
});

/** Sets `overage` of api_calls on a customer document (the imported customer's own controls, or new ones). */
function setOverage(file: string, overage: 'allow' | 'block'): void {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.setIn(['controls', 'api_calls', 'overage'], overage);
  writeFileSync(file, doc.toString());
}

export type { BillingControls };
