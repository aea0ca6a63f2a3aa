// Ctrl-C during a long apply through the real CLI: no new write starts, those in flight finish, the
// report says what was applied and what was not attempted, and the exit code is not 0.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emulator, fleetPolicies, seedFor, tollgate, workDir } from './helpers.js';

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('apply --target autumn and Ctrl-C', () => {
  it('stops starting writes, waits for the ones in flight, reports, and exits 1; a rerun finishes', async () => {
    const dir = workDir(fleetPolicies(120, 0));
    const emu = await emulator({ latencyMs: 10 });
    cleanups.push(dir.cleanup, () => emu.close());
    emu.seed(seedFor(path.join(dir.cwd, 'policies')));
    const args = ['apply', '--yes', '--target', 'autumn', '--endpoint', emu.url, '--report', 'report.json'];
    const run = tollgate(args, dir.cwd);
    // Interrupt once progress shows the apply is under way (the first line comes at 10%).
    await new Promise<void>((resolve) => {
      let seen = '';
      run.child.stderr!.on('data', (d: Buffer) => {
        seen += d.toString();
        if (seen.includes('apply: ')) resolve();
      });
    });
    run.child.kill('SIGINT');
    const result = await run;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Interrupted: no new writes will start');
    const summary = /Apply interrupted: (\d+) applied, 0 failed, (\d+) not attempted\./.exec(result.stdout);
    expect(summary, result.stdout + result.stderr).not.toBeNull();
    const [applied, notAttempted] = [Number(summary![1]), Number(summary![2])];
    expect(applied + notAttempted).toBe(121);
    expect(notAttempted).toBeGreaterThan(0);
    // Everything reported applied was stored, and nothing else was written.
    const stored = emu.requests().filter((r) => r.stored);
    expect(stored).toHaveLength(applied);

    const rerun = await tollgate(['apply', '--yes', '--target', 'autumn', '--endpoint', emu.url], dir.cwd);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain(`Plan: ${notAttempted} to add`);
  });
});
