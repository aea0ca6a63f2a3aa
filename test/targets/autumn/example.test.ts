// The README's Autumn walkthrough: examples/autumn against the emulator loaded from its state file.
import { copyFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emulator, REPO, tollgate } from './helpers.js';

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('examples/autumn', () => {
  it('plans, applies, and then has no changes, as the README says', async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'tollgate-example-'));
    cpSync(path.join(REPO, 'examples/autumn'), work, { recursive: true });
    const state = path.join(work, 'state.json');
    copyFileSync(path.join(work, 'emulator-state.json'), state);
    const emu = await emulator({ statePath: state });
    cleanups.push(() => rmSync(work, { recursive: true, force: true }), () => emu.close());
    const env = { AUTUMN_API_URL: emu.url };
    const plan = await tollgate(['plan'], work, env);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('Plan: 4 to add, 0 to change, 0 to remove');
    expect((await tollgate(['apply', '--yes'], work, env)).code).toBe(0);
    expect((await tollgate(['plan'], work, env)).stdout).toBe('No changes. The billing system matches the policies.\n');
  });
});
