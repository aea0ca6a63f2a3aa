// kill -9 in the middle of an apply, then apply again: Autumn ends exactly where a clean apply leaves it, managed
// markers included, and plan shows no changes. The real CLI against the emulator over loopback HTTP; the kill comes
// when the emulator has handled the k-th request (an event, not a timer), for k drawn from a seeded PRNG.
import { copyFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AutumnEmulator, AutumnSeed } from '../../../src/emulate/autumn/emulator.js';
import { mulberry32 } from '../../../src/emulate/common/prng.js';
import { emulator, SMALL_POLICIES, tollgate, workDir } from './helpers.js';

const CUSTOMERS = 10;
const ENTITIES = ['e0', 'e1', 'e2', 'e3'];
const RUNS = 4;
// CLI start-up dominates (about 1.5 s a run on an idle machine); a shared CI runner may be several times slower.
const TIMEOUT_MS = 180_000;

/**
 * Two generations of one fleet that move every kind of marker: entities gain and lose controls, customers lose
 * their own controls but keep entities (and the other way round), and every fifth customer's file is deleted.
 */
function fleet(generation: 'a' | 'b'): Record<string, string> {
  const files: Record<string, string> = {
    'policies/features.yaml': SMALL_POLICIES['policies/features.yaml']!,
    'policies/plans/pro.yaml': SMALL_POLICIES['policies/plans/pro.yaml']!,
  };
  for (let i = 0; i < CUSTOMERS; i++) {
    if (generation === 'b' && i % 5 === 0) continue;
    const own = generation === 'a' ? i % 4 !== 0 : i % 4 !== 1;
    const lines = ['kind: Customer', `id: c${i}`, 'plan: pro'];
    if (own) lines.push('controls:', `  api_calls: { maxOverageUnits: ${i * 10 + (generation === 'a' ? 1 : 2)} }`);
    const entities = ENTITIES.filter((_, j) => (generation === 'a' ? (i + j) % 3 !== 0 : (i + 2 * j) % 3 !== 0));
    if (entities.length > 0) {
      lines.push('entities:');
      for (const id of entities) {
        const threshold = generation === 'a' ? 10 + Number(id.slice(1)) : 20 + Number(id.slice(1));
        lines.push(`  ${id}:`, '    controls:', `      api_calls: { usageAlerts: [{ threshold: ${threshold}, type: usage_percentage }] }`);
      }
    }
    files[`policies/customers/c${i}.yaml`] = lines.join('\n') + '\n';
  }
  return files;
}

const SEED: AutumnSeed = {
  plans: [{ id: 'pro' }],
  customers: Array.from({ length: CUSTOMERS }, (_, i) => ({ id: `c${i}`, plan_id: 'pro' })),
  entities: Array.from({ length: CUSTOMERS }, (_, i) => ENTITIES.map((id) => ({ customer_id: `c${i}`, id, feature_id: 'seats' }))).flat(),
};

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('apply --target autumn killed with SIGKILL', () => {
  it(`a rerun after a kill at a random request leaves what a clean apply leaves (${RUNS} runs)`, async () => {
    const dir = workDir(fleet('a'));
    cleanups.push(dir.cleanup);
    const stateA = path.join(dir.cwd, 'state-a.json');
    const args = (emu: AutumnEmulator) => ['--target', 'autumn', '--endpoint', emu.url];
    const start = async (state: string, onRequest?: () => void): Promise<AutumnEmulator> => {
      const emu = await emulator({ rateLimit: 0, statePath: state, ...(onRequest ? { onRequest } : {}) });
      cleanups.push(() => emu.close());
      return emu;
    };

    // Generation a applied cleanly; every run starts from a copy of that state.
    const first = await start(stateA);
    first.seed(SEED);
    expect((await tollgate(['apply', '--yes', ...args(first)], dir.cwd)).code).toBe(0);
    await first.close();
    const policiesB = fleet('b');
    rmSync(path.join(dir.cwd, 'policies'), { recursive: true });
    for (const [file, text] of Object.entries(policiesB)) dir.write(file, text);

    const cleanState = path.join(dir.cwd, 'state-clean.json');
    copyFileSync(stateA, cleanState);
    const clean = await start(cleanState);
    expect((await tollgate(['apply', '--yes', ...args(clean)], dir.cwd)).code).toBe(0);
    const truth = clean.state();
    const requestsOfCleanApply = clean.requests().length;
    expect(truth.customers.filter((c) => c.metadata.tollgate_managed !== undefined).length).toBeGreaterThan(0);

    const random = mulberry32(20261126);
    for (let run = 0; run < RUNS; run++) {
      const k = 1 + Math.floor(random() * requestsOfCleanApply);
      const state = path.join(dir.cwd, `state-run-${run}.json`);
      copyFileSync(stateA, state);
      let seen = 0;
      let kill = (): void => {};
      const emu = await start(state, () => {
        if (++seen === k) kill();
      });
      const killed = tollgate(['apply', '--yes', ...args(emu)], dir.cwd);
      kill = () => killed.child.kill('SIGKILL');
      const interrupted = await killed;
      // A k past the last request of this apply lets it finish: that run is a plain rerun.
      expect(interrupted.code, `run ${run}: killed at request ${k}`).toBe(seen >= k ? 128 : 0);

      const rerun = await tollgate(['apply', '--yes', ...args(emu)], dir.cwd);
      expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
      const markers = (s: typeof truth) => Object.fromEntries(s.customers.map((c) => [c.id, c.metadata.tollgate_managed ?? null]));
      expect(markers(emu.state()), `run ${run}: killed at request ${k} of ${requestsOfCleanApply}`).toEqual(markers(truth));
      expect(emu.state(), `run ${run}: killed at request ${k}`).toEqual(truth);
      if (run === RUNS - 1) {
        // The same state as the clean apply's; plan agrees there is nothing left (a marker counts as a change).
        const plan = await tollgate(['plan', '--detailed-exitcode', ...args(emu)], dir.cwd);
        expect(plan.stdout).toBe('No changes. The billing system matches the policies.\n');
      }
      await emu.close();
    }
  }, TIMEOUT_MS);
});
