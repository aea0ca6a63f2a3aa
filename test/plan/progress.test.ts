// Progress of the long steps before a plan (reading files, checking, resolving, reading the billing system):
// the engine reports, the CLI shows it on stderr the way apply's progress is shown (test/apply/progress.test.ts).
// Clocks are fake: no test waits for time to pass.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { phaseDisplay, phaseLine } from '../../src/cli/progress.js';
import type { AutumnEmulator } from '../../src/emulate/autumn/emulator.js';
import { EffectiveCustomers, writeEffectivePolicy } from '../../src/resolve/stream.js';
import { existing } from '../targets/owostack/helpers.js';
import { startOwostackEmulator } from '../../src/emulate/owostack/emulator.js';
import { AutumnTarget } from '../../src/targets/autumn/autumn-target.js';
import { OwostackTarget } from '../../src/targets/owostack/owostack-target.js';
import type { Progress } from '../../src/util/progress.js';
import { analyze } from '../../src/validate/index.js';
import { emulator, fleetPolicies, KEY, seedFor, workDir } from '../targets/autumn/helpers.js';

function io(tty: boolean, now?: () => number): CliIO & { text: string; stdout: string } {
  const sink = { text: '', stdout: '' };
  return Object.assign(sink, {
    out: (t: string) => void (sink.stdout += t),
    err: (t: string) => void (sink.text += t),
    env: { AUTUMN_SECRET_KEY: KEY, NO_COLOR: '1' },
    stdinIsTTY: false,
    stderrIsTTY: tty,
    color: false,
    colorErr: false,
    ask: async () => '',
    ...(now ? { now } : {}),
  });
}

const checking = (done: number, total = 1000): Progress => ({ phase: 'checking policies', done, total, unit: 'customers' });

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('progress of reading, checking and resolving', () => {
  it('says the phase, how far it is, and for how long', () => {
    expect(phaseLine(checking(1200, 5000), 2000)).toBe('checking policies: 1,200/5,000 customers (2.0s)');
    expect(phaseLine({ phase: 'reading the billing system', done: 0, unit: 'objects' }, 12_345)).toBe('reading the billing system… (12.3s)');
  });

  it('stays quiet when every phase ends within a second, on a terminal and elsewhere', () => {
    for (const tty of [true, false]) {
      let clock = 0;
      const out = io(tty);
      const display = phaseDisplay(out, { now: () => clock });
      for (let done = 0; done <= 1000; done++) {
        clock += 0.9;
        display.report(checking(done));
      }
      display.report({ phase: 'resolving', done: 0, total: 10, unit: 'customers' });
      display.report({ phase: 'resolving', done: 10, total: 10, unit: 'customers' });
      display.finish();
      expect(out.text).toBe('');
    }
  });

  it('stays quiet about a phase with few things to do, however long it takes (a cold start on a busy machine)', () => {
    for (const tty of [true, false]) {
      let clock = 0;
      const out = io(tty);
      const display = phaseDisplay(out, { now: () => clock });
      for (let done = 0; done <= 22; done++) {
        clock += 1000;
        display.report({ phase: 'reading policy files', done, total: 22, unit: 'files' });
      }
      display.finish();
      expect(out.text).toBe('');
    }
  });

  it('on a terminal, rewrites one line in place once a phase takes a second, and ends it with a newline', () => {
    let clock = 0;
    const out = io(true);
    const display = phaseDisplay(out, { now: () => clock });
    for (let done = 0; done <= 1000; done++) {
      clock += 5;
      display.report(checking(done));
    }
    display.finish();
    expect(out.text.split('\n')).toHaveLength(2);
    expect(out.text.startsWith('\r')).toBe(true);
    // from 1 s to 5 s: at most ten redraws a second, plus the last
    expect(out.text.split('\r').length - 1).toBeLessThanOrEqual(42);
    expect(out.text.split('\r').length - 1).toBeGreaterThanOrEqual(30);
    expect(out.text.endsWith('checking policies: 1,000/1,000 customers (5.0s)\n')).toBe(true);
  });

  it('elsewhere, prints a line every 5 s while a phase runs and its final count when it ends', () => {
    let clock = 0;
    const out = io(false);
    const display = phaseDisplay(out, { now: () => clock });
    for (let done = 0; done <= 1000; done++) {
      clock += 12; // 12 s in all
      display.report(checking(done));
    }
    display.finish();
    expect(out.text).not.toContain('\r');
    expect(out.text.trim().split('\n')).toEqual([
      'checking policies: 417/1,000 customers (5.0s)',
      'checking policies: 834/1,000 customers (10.0s)',
      'checking policies: 1,000/1,000 customers (12.0s)',
    ]);
  });

  it('elsewhere, counts the 5 s across phases and displays: a run of 4 s phases is not silent', () => {
    let clock = 0;
    const out = io(false);
    for (const phase of ['reading policy files', 'checking policies', 'resolving']) {
      const display = phaseDisplay(out, { now: () => clock });
      for (let done = 0; done <= 1000; done++) {
        clock += 4; // 4 s per phase, 12 s in all
        display.report({ phase, done, total: 1000, unit: 'customers' });
      }
      display.finish();
    }
    // 5 s after the run began, then that phase's final count; the last phase ends 4 s after that line
    expect(out.text.trim().split('\n')).toEqual(['checking policies: 249/1,000 customers (1.0s)', 'checking policies: 1,000/1,000 customers (4.0s)']);
  });

  it('elsewhere, does not count small phases into the 5 s: a one-customer run on a busy machine prints only its error', () => {
    let clock = 0;
    const out = io(false);
    const checks = phaseDisplay(out, { now: () => clock });
    checks.report({ phase: 'checking policies', done: 0, total: 1, unit: 'customers' });
    clock += 4000;
    checks.report({ phase: 'checking policies', done: 1, total: 1, unit: 'customers' });
    checks.finish();
    const reads = phaseDisplay(out, { now: () => clock });
    reads.report({ phase: 'reading the billing system', done: 0, unit: 'objects' });
    clock += 4000;
    reads.tick();
    reads.finish();
    expect(out.text).toBe('');
  });

  it('keeps reporting while a phase waits without events (on the network)', () => {
    let clock = 0;
    const lines = io(false);
    const display = phaseDisplay(lines, { now: () => clock });
    display.report({ phase: 'reading the billing system', done: 0, unit: 'objects' });
    for (let i = 0; i < 11; i++) {
      clock += 1000;
      display.tick();
    }
    display.finish();
    expect(lines.text.trim().split('\n')).toEqual(['reading the billing system… (5.0s)', 'reading the billing system… (10.0s)']);

    const terminal = io(true);
    const line = phaseDisplay(terminal, { now: () => clock });
    line.report({ phase: 'reading the billing system', done: 0, unit: 'objects' });
    clock += 1500;
    line.tick();
    line.finish();
    expect(terminal.text).toBe('\rreading the billing system… (1.5s)\n');
  });

  it('the engine reports each file read, each customer checked and each customer resolved, up to the totals', async () => {
    const dir = workDir(fleetPolicies(250, 10));
    cleanups.push(dir.cleanup);
    const seen: Progress[] = [];
    const analysis = analyze(path.join(dir.cwd, 'policies'), { onProgress: (p) => seen.push(p) });
    const files = seen.filter((p) => p.phase === 'reading policy files');
    expect(files.map((p) => p.done)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(files.every((p) => p.total === 5 && p.unit === 'files')).toBe(true);
    const checked = seen.filter((p) => p.phase === 'checking policies');
    expect(checked[0]).toEqual({ phase: 'checking policies', done: 0, total: 250, unit: 'customers' });
    expect(checked.at(-1)).toEqual({ phase: 'checking policies', done: 250, total: 250, unit: 'customers' });
    expect(seen.indexOf(files.at(-1)!)).toBeLessThan(seen.indexOf(checked[0]!));

    const resolved: Progress[] = [];
    await writeEffectivePolicy(new EffectiveCustomers(analysis.set), () => {}, (p) => resolved.push(p));
    expect(resolved).toHaveLength(251);
    expect(resolved.at(-1)).toEqual({ phase: 'resolving', done: 250, total: 250, unit: 'customers' });
  });

  it('the Autumn target reports every object it has read, over HTTP', async () => {
    const dir = workDir(fleetPolicies(120, 60));
    const emu: AutumnEmulator = await emulator({ rateLimit: 0 });
    cleanups.push(dir.cleanup, () => emu.close());
    emu.seed(seedFor(path.join(dir.cwd, 'policies')));
    const keys = [...Array.from({ length: 120 }, (_, i) => `customer:c${i}`), ...Array.from({ length: 60 }, (_, i) => `entity:c${i}/w`), 'plan:pro'];
    const counts: number[] = [];
    const live = await new AutumnTarget({ secretKey: KEY, endpoint: emu.url, rateLimit: 1000 }).read(keys, (done) => counts.push(done));
    expect(live.size).toBe(keys.length);
    expect(counts).toEqual(Array.from({ length: keys.length }, (_, i) => i + 1));
  });

  it('the Owostack target reports every customer it has read, over HTTP', async () => {
    const emu = await startOwostackEmulator({ port: 0, secretKey: 'sk_test_progress', rateLimit: 0 });
    cleanups.push(() => emu.close());
    emu.seed(existing(...Array.from({ length: 40 }, (_, i) => `c${i}`)));
    const keys = [...Array.from({ length: 40 }, (_, i) => `customer:c${i}`), 'plan:pro'];
    const counts: number[] = [];
    const live = await new OwostackTarget({ endpoint: emu.baseUrl, secretKey: 'sk_test_progress' }).read(keys, (done) => counts.push(done));
    expect(live.size).toBe(41);
    expect(counts).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
  });

  it('validate, compile and plan show it on stderr through the CLI, keeping stdout clean', async () => {
    // one file per customer, as fleets are kept: 122 files, 120 customers, 181 objects
    const files: Record<string, string> = {};
    for (const [file, text] of Object.entries(fleetPolicies(120, 60))) {
      if (!file.includes('/batch-')) files[file] = text;
      else for (const doc of text.split('\n---\n')) files[`policies/customers/${/^id: (\S+)$/m.exec(doc)![1]}.yaml`] = doc;
    }
    const dir = workDir(files);
    const emu: AutumnEmulator = await emulator({ rateLimit: 0 });
    cleanups.push(dir.cleanup, () => emu.close());
    emu.seed(seedFor(path.join(dir.cwd, 'policies')));
    const policies = path.join(dir.cwd, 'policies');
    // every look at this clock is a second later: each phase looks slow
    const slowClock = () => {
      let t = 0;
      return () => (t += 1000);
    };

    const validate = io(true, slowClock());
    expect(await main(['validate', '--dir', policies], validate)).toBe(0);
    expect(validate.stdout).toBe('No problems found.\n');
    expect(validate.text).toMatch(/\rreading policy files: 122\/122 files \(\d+\.0s\)/);
    expect(validate.text).toMatch(/\rchecking policies: 120\/120 customers \(\d+\.0s\)\s*\n$/);
    expect(validate.text.split('\n')).toHaveLength(2);

    const compile = io(false, slowClock());
    expect(await main(['compile', '--dir', policies], compile)).toBe(0);
    expect(JSON.parse(compile.stdout)).toHaveProperty('digest');
    expect(compile.text).toMatch(/^reading policy files: 5\/122 files \(5\.0s\)$/m);
    // 5 s after the last line (the files' final count), which came a second before checking began
    expect(compile.text).toMatch(/^reading policy files: 122\/122 files \(122\.0s\)\nchecking policies: 4\/120 customers \(4\.0s\)$/m);
    expect(compile.text).toMatch(/^resolving: 120\/120 customers \(\d+\.0s\)$/m);

    const plan = io(true, slowClock());
    expect(await main(['plan', '--dir', policies, '--target', 'autumn', '--endpoint', emu.url], plan)).toBe(0);
    expect(plan.stdout).toContain('Plan: 181 to add');
    expect(plan.stdout).not.toContain('reading');
    // on a terminal: one line per run of progress, rewritten in place, ended before anything else is printed
    expect(plan.text).toMatch(/\rreading the billing system: 181\/181 objects \(\d+\.0s\)/);
    expect(plan.text).toMatch(/\rplanning: 120\/120 customers \(\d+\.0s\)\s*\n$/);
    expect(plan.text).toContain('\rchecking policies: 120/120 customers');
    expect(plan.text.split('\n').filter((l) => l !== '').every((l) => l.startsWith('\r'))).toBe(true);
  });
});
