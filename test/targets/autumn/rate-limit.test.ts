// Pacing against Autumn's 25 requests/s (scaled down here): tollgate stays under the limit, and when a
// faster client meets a slower limit it honours Retry-After instead of hammering.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../../src/apply/apply.js';
import type { CliIO } from '../../../src/cli/io.js';
import { makePlan } from '../../../src/cli/pipeline.js';
import type { AutumnEmulator } from '../../../src/emulate/autumn/emulator.js';
import { AutumnTarget } from '../../../src/targets/autumn/autumn-target.js';
import { analyze } from '../../../src/validate/index.js';
import { emulator, fleetPolicies, KEY, seedFor, workDir } from './helpers.js';

const silentIO: CliIO = { out: () => {}, err: () => {}, env: {}, stdinIsTTY: false, stderrIsTTY: false, color: false, colorErr: false, ask: async () => 'no' };

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function fleet(customers: number, rateLimit: number): Promise<{ emu: AutumnEmulator; policies: string }> {
  const dir = workDir(fleetPolicies(customers, 0));
  const emu = await emulator({ rateLimit });
  cleanups.push(dir.cleanup, () => emu.close());
  const policies = path.join(dir.cwd, 'policies');
  emu.seed(seedFor(policies));
  return { emu, policies };
}

describe('autumn rate limit', () => {
  it('paces reads and writes under the limit: no 429 at all', async () => {
    const { emu, policies } = await fleet(40, 20);
    const t = new AutumnTarget({ secretKey: KEY, endpoint: emu.url, rateLimit: 20, lockPath: '/dev/null' });
    const started = performance.now();
    const plan = await makePlan(analyze(policies), t, silentIO);
    const report = await applyPlan(plan, t);
    const seconds = (performance.now() - started) / 1000;
    expect(report.applied).toHaveLength(41);
    const log = emu.requests();
    expect(log.filter((r) => r.status === 429)).toEqual([]);
    // 44 requests at 20/s after a burst of 4: at least (44 - 4) / 20 s.
    expect(log).toHaveLength(44);
    expect(seconds).toBeGreaterThanOrEqual((44 - 4) / 20 - 0.05);
  });

  it('a client faster than the limit gets 429s, waits out Retry-After, and still applies everything', async () => {
    const { emu, policies } = await fleet(30, 10);
    const sent: Array<{ at: number; key: string | null; status: number }> = [];
    const timedFetch: typeof fetch = async (input, init) => {
      const at = performance.now();
      const response = await fetch(input, init);
      sent.push({ at, key: new Headers(init?.headers).get('idempotency-key'), status: response.status });
      return response;
    };
    const t = new AutumnTarget({ secretKey: KEY, endpoint: emu.url, rateLimit: 500, fetch: timedFetch, lockPath: '/dev/null' });
    const plan = await makePlan(analyze(policies), t, silentIO);
    const report = await applyPlan(plan, t, { retry: { baseMs: 1, capMs: 5 } });
    expect(report.failed).toEqual([]);
    expect(report.applied).toHaveLength(31);
    const limited = sent.filter((s) => s.status === 429 && s.key !== null);
    expect(limited.length).toBeGreaterThan(0);
    for (const hit of limited) {
      const next = sent.find((s) => s.key === hit.key && s.at > hit.at);
      expect(next!.at - hit.at).toBeGreaterThanOrEqual(1000 - 5); // Retry-After: 1
    }
  });
});
