// The big one: an apply of 1,000 objects against an emulator that injects 10% faults of every kind
// (500s, 429s, slow answers, connections dropped before and after the write is stored).
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../../src/apply/apply.js';
import type { CliIO } from '../../../src/cli/io.js';
import { makePlan } from '../../../src/cli/pipeline.js';
import type { AutumnEmulator, LoggedRequest } from '../../../src/emulate/autumn/emulator.js';
import { desiredObjects } from '../../../src/plan/desired.js';
import { isEmptyControls } from '../../../src/plan/objects.js';
import { AutumnTarget, type AutumnTargetOptions } from '../../../src/targets/autumn/autumn-target.js';
import { encodeControls, type BillingKey } from '../../../src/targets/autumn/wire.js';
import { analyze } from '../../../src/validate/index.js';
import { emulator, expectSdkValidBodies, fleetPolicies, KEY, seedFor, SMALL_POLICIES, workDir } from './helpers.js';

const silentIO: CliIO = { out: () => {}, err: () => {}, env: {}, stdinIsTTY: false, stderrIsTTY: false, color: false, colorErr: false, ask: async () => 'no' };
const ALL_KEYS: BillingKey[] = ['auto_topups', 'overage_allowed', 'spend_limits', 'usage_alerts'];

/** Stored writes per object: no object may have been stored with two different billing_controls. */
function conflictingWrites(requests: readonly LoggedRequest[]): string[] {
  const contents = new Map<string, Set<string>>();
  for (const r of requests) {
    const body = r.body as { billing_controls?: unknown } | undefined;
    if (!r.stored || r.object === null || body?.billing_controls === undefined) continue;
    const seen = contents.get(r.object) ?? new Set<string>();
    seen.add(JSON.stringify(body.billing_controls));
    contents.set(r.object, seen);
  }
  return [...contents].filter(([, s]) => s.size > 1).map(([object]) => object);
}

/** The emulator holds exactly what the policies say: every object's own controls, and the managed markers. */
function expectStateMatches(emu: AutumnEmulator, dir: string): void {
  const desired = desiredObjects(analyze(dir).set);
  const state = emu.state();
  const none = { spend_limits: [], usage_alerts: [], usage_limits: [], auto_topups: [] };
  const expected = (key: string) => {
    const controls = desired.get(key)?.controls ?? { features: {} };
    const wire = encodeControls(controls, ALL_KEYS, none) as Record<string, unknown[]>;
    return Object.fromEntries(Object.entries(wire).filter(([, v]) => v.length > 0));
  };
  const actual = new Map<string, unknown>();
  const want = new Map<string, unknown>();
  for (const p of state.plans) (actual.set(`plan:${p.id}`, p.billing_controls), want.set(`plan:${p.id}`, expected(`plan:${p.id}`)));
  for (const c of state.customers) (actual.set(`customer:${c.id}`, c.billing_controls), want.set(`customer:${c.id}`, expected(`customer:${c.id}`)));
  for (const e of state.entities) {
    const key = `entity:${e.customer_id}/${e.id}`;
    actual.set(key, e.billing_controls);
    want.set(key, expected(key));
  }
  expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(want));
  for (const c of state.customers) {
    const entities = state.entities.filter((e) => e.customer_id === c.id && !isEmptyControls(desired.get(`entity:${c.id}/${e.id}`)?.controls)).map((e) => e.id);
    expect(c.metadata.tollgate_managed, c.id).toBe(['v1', ...entities.sort()].join(' '));
  }
}

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function target(emu: AutumnEmulator, options: Partial<AutumnTargetOptions> = {}): AutumnTarget {
  return new AutumnTarget({ secretKey: KEY, endpoint: emu.url, rateLimit: 5000, timeoutMs: 10_000, retry: { baseMs: 1, capMs: 20, maxAttempts: 12 }, ...options });
}

const FAST_RETRY = { baseMs: 1, capMs: 20, maxAttempts: 12 };

describe('autumn apply under injected faults', () => {
  it('a value Autumn rejects fails that object alone, with the API\'s 400 message and the policy line that set it', async () => {
    const dir = workDir(SMALL_POLICIES);
    const policies = path.join(dir.cwd, 'policies');
    const emu = await emulator();
    cleanups.push(dir.cleanup, () => emu.close());
    emu.seed(seedFor(policies));
    const t = target(emu);
    const plan = await makePlan(analyze(policies), t, silentIO);
    // Validation never lets a percentage over 100 through, and a saved plan must match the policies: set it past both.
    plan.objects.find((o) => o.key === 'customer:acme')!.after.features.api_calls!.usageAlerts![0]!.threshold = 150;
    const report = await applyPlan(plan, t);
    expect(report.applied).toEqual(['customer:hooli', 'entity:acme/workspace_a', 'plan:pro']);
    expect(report.failed).toMatchObject([{ key: 'customer:acme', status: 400, code: 'invalid_inputs', attempts: 1 }]);
    expect(report.failed[0]!.message).toMatch(
      /^Autumn rejected the controls of customer acme \(set at \S*policies\/customers\/acme\.yaml:9:7 api_calls\.usageAlerts\): 400 invalid_inputs: billing_controls\.usage_alerts\[0\]\.threshold: A usage_percentage threshold must be between 0 and 100, received 150$/,
    );
  });

  it('applies 1,000 objects through 10% faults of every kind to exactly the desired state, and plans nothing after', async () => {
    const dir = workDir(fleetPolicies(700, 299));
    const policies = path.join(dir.cwd, 'policies');
    const emu = await emulator({ rateLimit: 0, faultRate: 0.1, faultSeed: 20261121, slowMs: 25, faultRetryAfterSeconds: 0, maxLoggedRequests: 100_000 });
    cleanups.push(dir.cleanup, () => emu.close());
    emu.seed(seedFor(policies));

    const t = target(emu);
    const plan = await makePlan(analyze(policies), t, silentIO);
    expect(plan.objects).toHaveLength(1000);
    const report = await applyPlan(plan, t, { retry: FAST_RETRY, concurrency: 32 });
    expect(report.failed).toEqual([]);
    expect(report.notAttempted).toEqual([]);
    expect(report.applied).toHaveLength(1000);

    const log = emu.requests();
    const faults = new Set(log.map((r) => r.fault).filter((f) => f !== null));
    expect([...faults].sort()).toEqual(['drop_after_write', 'drop_before_write', 'rate_limited', 'server_error', 'slow']);
    expect(log.filter((r) => r.status === 409).length).toBeGreaterThan(0); // drops after the write were resolved by re-reading
    expect(conflictingWrites(log)).toEqual([]);
    expectSdkValidBodies(log);
    expectStateMatches(emu, policies);

    // A new process plans nothing, through the same faults.
    expect((await makePlan(analyze(policies), target(emu), silentIO)).objects).toEqual([]);
  });

  it('an apply that gives up on some objects is finished by the next one', async () => {
    const dir = workDir(fleetPolicies(300, 100));
    const policies = path.join(dir.cwd, 'policies');
    const emu = await emulator({ rateLimit: 0, faultRate: 0.1, faultSeed: 7, slowMs: 5, faultRetryAfterSeconds: 0, maxLoggedRequests: 100_000 });
    cleanups.push(dir.cleanup, () => emu.close());
    emu.seed(seedFor(policies));

    // No retries at all: roughly one write in ten fails and is reported with the API's message.
    const first = target(emu);
    const plan = await makePlan(analyze(policies), first, silentIO);
    const partial = await applyPlan(plan, first, { retry: { ...FAST_RETRY, maxAttempts: 1 } });
    expect(partial.failed.length).toBeGreaterThan(0);
    expect(partial.failed.some((f) => f.message.includes('Internal server error (injected fault)'))).toBe(true);
    expect(partial.applied.length + partial.failed.length).toBe(plan.objects.length);

    // The rerun plans only what is left, and finishes it.
    const second = target(emu);
    const rest = await makePlan(analyze(policies), second, silentIO);
    // Only objects that failed are left (a write whose answer was lost may have been stored after all).
    const failed = new Set(partial.failed.map((f) => f.key));
    expect(rest.objects.length).toBeGreaterThan(0);
    expect(rest.objects.filter((o) => !failed.has(o.key))).toEqual([]);
    const done = await applyPlan(rest, second, { retry: FAST_RETRY });
    expect(done.failed).toEqual([]);
    expectStateMatches(emu, policies);
    expect((await makePlan(analyze(policies), target(emu), silentIO)).objects).toEqual([]);
    expect(conflictingWrites(emu.requests())).toEqual([]);
    expectSdkValidBodies(emu.requests());
  });

  it('times out a slow answer and retries it; the late original and the retry agree', async () => {
    const dir = workDir(fleetPolicies(40, 10));
    const policies = path.join(dir.cwd, 'policies');
    const emu = await emulator({ rateLimit: 0, faultRate: 0.3, faultKinds: ['slow'], faultSeed: 3, slowMs: 1500 });
    cleanups.push(dir.cleanup, () => emu.close());
    emu.seed(seedFor(policies));
    // Far apart, so a busy machine's ordinary answers never pass for slow ones.
    const t = target(emu, { timeoutMs: 500 });
    const plan = await makePlan(analyze(policies), t, silentIO);
    const report = await applyPlan(plan, t, { retry: FAST_RETRY });
    expect(report.failed).toEqual([]);
    expect(report.retries).toBeGreaterThan(0);
    await emu.close(); // lets the slow originals land
    expect(conflictingWrites(emu.requests())).toEqual([]);
    const state = emu.state();
    expect(state.customers.find((c) => c.id === 'c7')!.billing_controls.spend_limits).toEqual([{ feature_id: 'api_calls', enabled: true, overage_limit: 7 }]);
  });
});
