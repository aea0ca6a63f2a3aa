// The engine API without the CLI: plan against the local target, save the plan, read it back, check it is
// fresh and apply it, as a GitHub App or any other front end would.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { analyze, applyRecorded, checkSaved, createTarget, makePlan, readPlanFile, UserError, withOrigin, writePlanJson, lockHolder, openBackend, selectBackend, type Analysis } from '../../src/engine/index.js';
import type { Progress } from '../../src/util/progress.js';
import { policyDir, yaml, type PolicyDir } from '../helpers/policy-dir.js';

const policies = (cap: number): string => yaml`
  kind: Feature
  id: api_calls
  type: metered
  ---
  kind: Plan
  id: pro
  currency: USD
  features:
    api_calls: { included: 1000, reset: month, pricing: usage_based, price: { amount: 100, per: 1000 } }
  ---
  kind: Customer
  id: cust_1
  plan: pro
  controls:
    api_calls: { overage: allow, maxOverageUnits: ${cap} }
`;

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function setup(): { dir: PolicyDir; work: string; state: string } {
  const dir = policyDir({ 'policies.yaml': policies(1000) });
  const work = mkdtempSync(path.join(os.tmpdir(), 'tollgate-engine-'));
  cleanups.push(() => dir.cleanup(), () => rmSync(work, { recursive: true, force: true }));
  return { dir, work, state: path.join(work, 'state.json') };
}

function valid(dir: string): Analysis {
  const analysis = analyze(dir, { digest: true });
  expect(analysis.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return analysis;
}

async function save(plan: Parameters<typeof writePlanJson>[0], file: string): Promise<void> {
  let text = '';
  await writePlanJson(plan, (chunk) => {
    text += chunk;
  });
  writeFileSync(file, text);
}

describe('the engine API', () => {
  it('plans, saves, reads, checks and applies a plan, reporting progress instead of printing', async () => {
    const { dir, work, state } = setup();
    const target = createTarget({ name: 'local', endpoint: state, env: {} });
    const analysis = valid(dir.path);
    const progress: Progress[] = [];
    const plan = await makePlan(analysis, target, { onProgress: (p) => progress.push(p) });
    expect(plan.objects.map((o) => [o.key, o.action])).toEqual([['customer:cust_1', 'create']]);
    expect(progress.some((p) => p.phase === 'reading the billing system')).toBe(true);

    const file = path.join(work, 'plan.json');
    await save(withOrigin(plan, { dir: dir.path, output: file, live: false }), file);
    const saved = readPlanFile(file);
    expect(saved.dir).toBe(dir.path);

    const checked = await checkSaved(saved, file, dir.path, analysis, target);
    expect(checked.done).toBe(0);
    expect(checked.plan.objects.map((o) => o.key)).toEqual(['customer:cust_1']);

    const backend = await openBackend(selectBackend('file'), { target: target.name, endpoint: target.endpoint }, { stateDir: path.join(work, '.tollgate') });
    const taken = await backend.acquireLock(lockHolder('engine test'));
    if (!taken.ok) throw new Error(taken.message);
    try {
      const { report, applyId } = await applyRecorded(checked.plan, target, backend, { lock: taken.lock, actor: 'engine-test' });
      expect(report).toMatchObject({ applied: ['customer:cust_1'], failed: [], notAttempted: [] });
      expect(await backend.managedKeys()).toEqual(['customer:cust_1']);
      expect(await backend.history({ id: applyId })).toMatchObject([{ actor: 'engine-test', result: 'succeeded', outcomes: [{ key: 'customer:cust_1', outcome: 'applied' }] }]);
    } finally {
      await taken.lock.release();
      await backend.close();
    }

    // applied: a fresh plan has nothing to do, and the saved one is all done
    expect((await makePlan(valid(dir.path), createTarget({ name: 'local', endpoint: state, env: {} }))).objects).toEqual([]);
    const again = await checkSaved(readPlanFile(file), file, dir.path, analysis, createTarget({ name: 'local', endpoint: state, env: {} }));
    expect(again).toMatchObject({ done: 1, plan: { objects: [] } });
  });

  it('refuses a saved plan whose policies changed since, with a UserError', async () => {
    const { dir, work, state } = setup();
    const target = createTarget({ name: 'local', endpoint: state, env: {} });
    const file = path.join(work, 'plan.json');
    await save(withOrigin(await makePlan(valid(dir.path), target), { dir: dir.path, output: file, live: false }), file);
    dir.write('policies.yaml', policies(2000));
    const failure = await checkSaved(readPlanFile(file), file, dir.path, valid(dir.path), target).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as Error).message).toMatch(/^The plan .* is stale: the policies in .* changed since it was made/);
  });

  it('refuses a file that is not a plan, with a UserError', () => {
    const { work } = setup();
    const file = path.join(work, 'not-a-plan.json');
    writeFileSync(file, '{"hello": "world"}');
    expect(() => readPlanFile(file)).toThrow(UserError);
  });
});
