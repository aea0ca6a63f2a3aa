// Recording as apply goes: each confirmed write is recorded before it counts, a cleared object leaves the
// managed set, and a backend that cannot record stops the apply with the truth about what was written.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/apply/apply.js';
import { historyOf, openBackend, planDigest, recordingHooks, selectBackend, unrecorded, type Scope } from '../../src/backend/index.js';
import type { DesiredObject } from '../../src/plan/objects.js';
import { fingerprint } from '../../src/resolve/canonical.js';
import { TargetError } from '../../src/targets/target.js';
import { FakeClock, FakeTarget, planOf } from '../apply/fakes.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'tollgate-record-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const scope: Scope = { target: 'fake', endpoint: 'fake://' };

describe('recording an apply', () => {
  it('records every written object as it is written, drops cleared ones, and closes the history entry', async () => {
    const backend = await openBackend(selectBackend('file'), scope, { stateDir: path.join(root, 'ok') });
    const earlier = planOf(3);
    const seed = await backend.startApply({ actor: 'a', host: 'h', policyDigest: earlier.policyDigest });
    await applyPlan(earlier, new FakeTarget(), { ...recordingHooks(backend, earlier, { applyId: seed, planDigest: planDigest(earlier) }), clock: new FakeClock() });
    expect(await backend.managedKeys()).toEqual(['customer:c000', 'customer:c001', 'customer:c002']);

    const plan = planOf(6);
    plan.objects[1]!.after = { features: {} }; // c001's file was removed: apply clears it
    const target = new FakeTarget((object) => (object.key === 'customer:c004' ? new TargetError('Autumn answered 400: bad cap', { status: 400 }) : 'ok'));
    const id = await backend.startApply({ actor: 'a', host: 'h', policyDigest: plan.policyDigest });
    const report = await applyPlan(plan, target, { ...recordingHooks(backend, plan, { applyId: id, planDigest: planDigest(plan) }), clock: new FakeClock() });
    const closing = historyOf(report);
    await backend.finishApply(id, closing.counts, closing.result, closing.outcomes);

    expect(await backend.managedKeys()).toEqual(['customer:c000', 'customer:c002', 'customer:c003', 'customer:c005']);
    const records = await backend.lastApplied(['customer:c003']);
    expect(records.get('customer:c003')).toMatchObject({ controls: plan.objects[3]!.after, fingerprint: fingerprint(plan.objects[3]!.after), applyId: id, planDigest: planDigest(plan), policyDigest: plan.policyDigest });
    const [entry] = await backend.history({ id });
    expect(entry).toMatchObject({ result: 'failed', counts: { applied: 5, failed: 1, notAttempted: 0 } });
    expect(entry!.outcomes!.find((o) => o.key === 'customer:c004')).toEqual({ key: 'customer:c004', outcome: 'failed', message: 'Autumn answered 400: bad cap' });
    await backend.close();
  });

  it('a backend that cannot record stops the apply; the next run finds the written objects to re-record', async () => {
    const blocked = path.join(root, 'blocked');
    writeFileSync(blocked, 'a file where the state folder should be');
    const backend = await openBackend(selectBackend('file'), scope, { stateDir: blocked });
    const plan = planOf(40);
    const target = new FakeTarget();
    const report = await applyPlan(plan, target, { ...recordingHooks(backend, plan, { applyId: 'x', planDigest: planDigest(plan) }), concurrency: 4, clock: new FakeClock() });
    expect(report.stopped).toBe('fatal');
    expect(report.applied).toEqual([]);
    expect(report.failed.length).toBeGreaterThan(0);
    expect(report.failed.length).toBeLessThanOrEqual(4);
    expect(report.failed[0]!.message).toMatch(/^written, but not recorded in the state backend: Cannot write the state under .* while recording customer:c000: a file is in the way of a folder/);
    expect(report.notAttempted.length).toBe(40 - report.failed.length);
    // what was written is exactly what failed to record, and the next run can tell it from the live state
    expect([...target.stored.keys()].sort()).toEqual(report.failed.map((f) => f.key));
    const desired = new Map(plan.objects.map((o): [string, DesiredObject] => [o.key, { ref: o.ref, controls: o.after, locations: {}, setBy: {} }]));
    expect(unrecorded(desired, await target.read([...desired.keys()]), new Map())).toEqual(report.failed.map((f) => f.key));
  });
});
