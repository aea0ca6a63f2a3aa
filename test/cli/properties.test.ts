// Laws of plan and apply on the local target, checked on random valid policy sets (policy-gen.ts):
// applying a plan makes the next plan empty, and an apply whose state write fails leaves the state as it was.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyPlan } from '../../src/apply/apply.js';
import type { CliIO } from '../../src/cli/io.js';
import { makePlan } from '../../src/cli/pipeline.js';
import { scopeFolder } from '../../src/backend/file-backend.js';
import type { Plan } from '../../src/plan/plan.js';
import { LocalTarget } from '../../src/targets/local/local-target.js';
import { analyze, type Analysis } from '../../src/validate/index.js';
import { policySet, writePolicies, type PolicyFiles } from './policy-gen.js';

// Fault injection for writeFileAtomic: the state write fails at a chosen step of temp file, write, fsync, rename.
type FaultStep = 'open' | 'write' | 'sync' | 'rename';
const fault = vi.hoisted(() => ({ step: undefined as FaultStep | undefined }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const fail = (step: string): never => {
    throw Object.assign(new Error(`injected failure at ${step}`), { code: step === 'write' ? 'ENOSPC' : 'EIO' });
  };
  const open: typeof real.open = async (...args) => {
    if (fault.step === 'open') fail('open');
    const handle = await real.open(...args);
    if (fault.step !== 'write' && fault.step !== 'sync') return handle;
    const step = fault.step;
    return new Proxy(handle, {
      get(target, prop, receiver) {
        if (prop === 'writeFile' && step === 'write') {
          // A disk that fills up half way: part of the content reaches the temp file.
          return async (data: string) => {
            await target.writeFile(data.slice(0, Math.floor(data.length / 2)));
            fail('write');
          };
        }
        if (prop === 'sync' && step === 'sync') return async () => fail('sync');
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
  const rename: typeof real.rename = async (...args) => {
    if (fault.step === 'rename') fail('rename');
    return real.rename(...args);
  };
  return { ...real, default: { ...real, open, rename }, open, rename };
});

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(REPO, 'bin/tollgate.js');
const run = promisify(execFile);

/** The environment of the real CLI in these tests: no colour, no GitHub Actions defaults. */
function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.GITHUB_ACTIONS;
  return env;
}

const silentIO: CliIO = {
  out: () => undefined,
  err: () => undefined,
  env: {},
  stdinIsTTY: false,
  stderrIsTTY: false,
  color: false,
  colorErr: false,
  ask: async () => 'no',
};

let work: string;
beforeEach(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'tollgate-prop-'));
  fault.step = undefined;
});
afterEach(() => {
  fault.step = undefined;
  rmSync(work, { recursive: true, force: true });
});

/** A fresh directory holding exactly this policy set. */
function policyDir(files: PolicyFiles): string {
  const dir = mkdtempSync(path.join(work, 'policies-'));
  writePolicies(dir, files);
  return dir;
}

/** Analyzes a generated set and fails with its diagnostics if the generator produced an invalid one. */
function analyzeValid(files: PolicyFiles): Analysis {
  const analysis = analyze(policyDir(files));
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    throw new Error(`generated policies do not validate:\n${errors.map((d) => `${path.basename(d.file)}:${d.line}:${d.column} ${d.code} ${d.message}`).join('\n')}\n${JSON.stringify(files, null, 2)}`);
  }
  return analysis;
}

/** Plans against the state file with a fresh target, as a new process would. */
function planAgainst(analysis: Analysis, stateFile: string): Promise<Plan> {
  return makePlan(analysis, new LocalTarget(stateFile), silentIO);
}

async function applyTo(analysis: Analysis, stateFile: string): Promise<Plan> {
  const target = new LocalTarget(stateFile);
  const plan = await makePlan(analysis, target, silentIO);
  const report = await applyPlan(plan, target);
  expect(report.failed).toEqual([]);
  expect(report.notAttempted).toEqual([]);
  return plan;
}

describe('apply then plan shows no changes', () => {
  it('for any sequence of policy sets applied in turn (engine)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(policySet, { minLength: 1, maxLength: 3 }), async (sets) => {
        const stateFile = path.join(mkdtempSync(path.join(work, 'state-')), 'state.json');
        for (const set of sets) {
          const analysis = analyzeValid(set.files);
          await applyTo(analysis, stateFile);
          const again = await planAgainst(analysis, stateFile);
          expect(again.objects.map((o) => ({ key: o.key, changes: o.changes }))).toEqual([]);
          expect(again.summary).toEqual({ add: 0, change: 0, remove: 0, customers: 0, entities: 0 });
        }
      }),
      { numRuns: 30 },
    );
  });

  it('a saved plan applied exactly leaves nothing to plan, and planning twice gives the same plan (engine)', async () => {
    await fc.assert(
      fc.asyncProperty(policySet, policySet, async (first, second) => {
        const stateFile = path.join(mkdtempSync(path.join(work, 'state-')), 'state.json');
        await applyTo(analyzeValid(first.files), stateFile);
        const analysis = analyzeValid(second.files);
        const plan = await planAgainst(analysis, stateFile);
        // Deterministic: the same inputs plan to the same bytes (what `plan -o` saves and `apply plan.json` reads).
        expect(JSON.stringify(await planAgainst(analysis, stateFile))).toBe(JSON.stringify(plan));
        const saved = JSON.parse(JSON.stringify(plan)) as Plan;
        const target = new LocalTarget(stateFile);
        await applyPlan(saved, target);
        expect((await planAgainst(analysis, stateFile)).objects).toEqual([]);
      }),
      { numRuns: 20 },
    );
  });

  it('through the real CLI: plan, apply --yes, then plan --detailed-exitcode exits 0', async () => {
    await fc.assert(
      fc.asyncProperty(policySet, policySet, async (first, second) => {
        const cwd = mkdtempSync(path.join(work, 'cli-'));
        const env = cliEnv();
        const tollgate = (...args: string[]) => run(process.execPath, [BIN, ...args], { cwd, env });
        for (const set of [first, second]) {
          rmSync(path.join(cwd, 'policies'), { recursive: true, force: true });
          writePolicies(path.join(cwd, 'policies'), set.files);
          await tollgate('apply', '--yes');
          const again = await tollgate('plan', '--detailed-exitcode');
          expect(again.stdout).toBe('No changes. The billing system matches the policies.\n');
        }
      }),
      { numRuns: 2 },
    );
  });
});

describe('a failed apply leaves the state as it was', () => {
  const leftovers = (dir: string) => readdirSync(dir).filter((f) => f !== 'state.json' && f !== 'apply.lock');
  /** The state file's bytes as hex, or null when there is none (the first set may hold no controls at all). */
  const snapshotOf = (file: string) => (existsSync(file) ? readFileSync(file).toString('hex') : null);

  it('when the state write fails at any step (engine, injected into writeFileAtomic)', async () => {
    await fc.assert(
      fc.asyncProperty(policySet, policySet, fc.constantFrom<FaultStep>('open', 'write', 'sync', 'rename'), async (first, second, step) => {
        const stateDir = mkdtempSync(path.join(work, 'state-'));
        const stateFile = path.join(stateDir, 'state.json');
        await applyTo(analyzeValid(first.files), stateFile);
        const before = snapshotOf(stateFile);
        const analysis = analyzeValid(second.files);
        const target = new LocalTarget(stateFile);
        const plan = await makePlan(analysis, target, silentIO);
        fc.pre(plan.objects.length > 0);
        fault.step = step;
        try {
          // How the failure is worded is the CLI's business; here it only has to surface.
          await expect(applyPlan(plan, target)).rejects.toThrow();
        } finally {
          fault.step = undefined;
        }
        expect(snapshotOf(stateFile)).toEqual(before);
        expect(leftovers(stateDir)).toEqual([]);
        // Nothing was recorded, so the same changes are still planned.
        expect((await planAgainst(analysis, stateFile)).objects.map((o) => o.key)).toEqual(plan.objects.map((o) => o.key));
      }),
      { numRuns: 30 },
    );
  });

  it('when the state write fails in the real CLI (rename fails with EIO)', async () => {
    const cwd = mkdtempSync(path.join(work, 'cli-'));
    const preload = path.join(work, 'fail-rename.mjs');
    writeFileSync(
      preload,
      [
        "import fs from 'node:fs';",
        "import { syncBuiltinESMExports } from 'node:module';",
        "fs.promises.rename = async () => { throw Object.assign(new Error('EIO: i/o error, rename (injected)'), { code: 'EIO' }); };",
        'syncBuiltinESMExports();',
      ].join('\n'),
    );
    const env = cliEnv();
    const tollgate = (args: string[], extra: NodeJS.ProcessEnv = {}) => run(process.execPath, [BIN, ...args], { cwd, env: { ...env, ...extra } }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
    const [first, second] = fc.sample(policySet.filter((s) => s.customers.length >= 2), { numRuns: 2, seed: 7 });
    writePolicies(path.join(cwd, 'policies'), first!.files);
    expect((await tollgate(['apply', '--yes'])).code).toBe(0);
    const stateFile = path.join(cwd, '.tollgate/local/state.json');
    const before = readFileSync(stateFile);
    rmSync(path.join(cwd, 'policies'), { recursive: true });
    writePolicies(path.join(cwd, 'policies'), second!.files);
    const planned = await tollgate(['plan', '--detailed-exitcode']);
    expect(planned.code).toBe(2);
    const failed = await tollgate(['apply', '--yes'], { NODE_OPTIONS: `--import ${preload}` });
    expect(failed.code).toBe(1);
    expect(failed.stdout).not.toContain('Apply complete!');
    expect(readFileSync(stateFile).equals(before)).toBe(true);
    expect(leftovers(path.dirname(stateFile))).toEqual([]);
    expect(existsSync(path.join(cwd, '.tollgate/local/apply.lock'))).toBe(false);
    expect((await tollgate(['plan', '--detailed-exitcode'])).code).toBe(2);
  });

  it('when apply is killed while writing the state (SIGKILL during fsync); the next apply takes over the lock and finishes', async () => {
    const cwd = mkdtempSync(path.join(work, 'cli-'));
    // The child announces on stderr that it is inside fsync of the state's temp file, then never returns from it.
    const preload = path.join(work, 'hang-in-sync.mjs');
    writeFileSync(
      preload,
      [
        "import fs from 'node:fs';",
        'const handle = await fs.promises.open(process.execPath, "r");',
        'const proto = Object.getPrototypeOf(handle);',
        'await handle.close();',
        // only the local state's temp file; the state backend's own files (history, records) sync as usual
        'const sync = proto.sync;',
        "proto.sync = function () { if (!fs.readlinkSync('/proc/self/fd/' + this.fd).includes('/.tollgate/local/')) return sync.call(this); fs.writeSync(2, 'IN-FSYNC\\n'); setInterval(() => undefined, 1 << 30); return new Promise(() => undefined); };",
      ].join('\n'),
    );
    const env = cliEnv();
    const tollgate = (args: string[]) => run(process.execPath, [BIN, ...args], { cwd, env }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
    const [first, second] = fc.sample(policySet.filter((s) => s.customers.length >= 2), { numRuns: 2, seed: 11 });
    writePolicies(path.join(cwd, 'policies'), first!.files);
    expect((await tollgate(['apply', '--yes'])).code).toBe(0);
    const stateFile = path.join(cwd, '.tollgate/local/state.json');
    const before = readFileSync(stateFile);
    rmSync(path.join(cwd, 'policies'), { recursive: true });
    writePolicies(path.join(cwd, 'policies'), second!.files);
    expect((await tollgate(['plan', '--detailed-exitcode'])).code).toBe(2);

    const child = spawn(process.execPath, ['--import', preload, BIN, 'apply', '--yes'], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        err += d;
        if (err.includes('IN-FSYNC')) resolve();
      });
      child.on('close', () => reject(new Error(`apply exited before reaching fsync:\n${err}`)));
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    expect(readFileSync(stateFile).equals(before)).toBe(true);
    // the killed apply's lock is left behind; the next apply sees its holder is gone and takes it over
    expect(existsSync(path.join(scopeFolder(path.join(cwd, '.tollgate'), { target: 'local', endpoint: '.tollgate/local/state.json' }), 'lock.json'))).toBe(true);
    // nothing was recorded as applied that the state file does not hold: no drift
    const drift = await tollgate(['drift', '--detailed-exitcode']);
    expect([drift.code, drift.stdout]).toEqual([0, 'No drift on local at .tollgate/local/state.json: every object tollgate manages holds what it last applied.\n']);
    const resumed = await tollgate(['apply', '--yes']);
    expect(resumed.stderr).toBe('');
    expect(resumed.stdout).toContain('Apply complete!');
    expect((await tollgate(['plan', '--detailed-exitcode'])).code).toBe(0);
  });
});

