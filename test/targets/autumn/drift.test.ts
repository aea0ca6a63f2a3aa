// Drift: customers changed directly through Autumn's API (as a dashboard edit would) after tollgate applied them.
// The real CLI against the emulator over loopback HTTP, with the default file backend.
import { afterEach, describe, expect, it } from 'vitest';
import { emulator, fleetPolicies, KEY, seedFor, tollgate, workDir } from './helpers.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** Sets one customer's api_calls spend limit to `units` through the API, leaving its other controls as they are. */
async function editByHand(url: string, customer: string, units: number): Promise<void> {
  const post = async (route: string, body: unknown): Promise<Record<string, unknown>> => {
    const answer = await fetch(`${url}${route}`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(answer.status, route).toBe(200);
    return (await answer.json()) as Record<string, unknown>;
  };
  const current = await post('/v1/customers.get', { customer_id: customer });
  // a read marks each entry with its source; an update sends the customer's own entries, unmarked
  const own = Object.fromEntries(
    Object.entries(current.billing_controls as Record<string, Array<Record<string, unknown>>>).map(([kind, entries]) => [
      kind,
      entries.filter((e) => e.source === undefined || e.source === 'customer').map(({ source: _source, ...rest }) => rest),
    ]),
  );
  const controls = own as unknown as { spend_limits: Array<{ feature_id: string; overage_limit: number }> };
  controls.spend_limits.find((s) => s.feature_id === 'api_calls')!.overage_limit = units;
  await post('/v1/customers.update', { customer_id: customer, billing_controls: controls });
}

describe('drift against Autumn', () => {
  it('names exactly the customers changed outside tollgate, with live and last-applied values; plan shows them apart; apply reverts them', async () => {
    const dir = workDir(fleetPolicies(12, 3));
    cleanups.push(dir.cleanup);
    const emu = await emulator({ rateLimit: 0 });
    cleanups.push(() => emu.close());
    emu.seed(seedFor(path.join(dir.cwd, 'policies')));
    const target = ['--target', 'autumn', '--endpoint', emu.url];
    expect((await tollgate(['apply', '--yes', ...target], dir.cwd)).code).toBe(0);
    const clean = await tollgate(['drift', '--detailed-exitcode', ...target], dir.cwd);
    expect([clean.code, clean.stdout]).toEqual([0, `No drift on autumn at ${emu.url}: every object tollgate manages holds what it last applied.\n`]);

    // c4 had a spend limit of 4 units, c7 of 7, c10 of 10 (fleetPolicies: maxOverageUnits = i)
    await editByHand(emu.url, 'c4', 4000);
    await editByHand(emu.url, 'c7', 70);
    await editByHand(emu.url, 'c10', 0);

    const drift = await tollgate(['drift', '--detailed-exitcode', ...target], dir.cwd);
    expect(drift.code, drift.stderr).toBe(2);
    expect(drift.stdout.match(/^ {2}! .*$/gm)?.map((l) => l.replace(/ +\(last applied .*\)$/, ''))).toEqual(['  ! customer c10', '  ! customer c4', '  ! customer c7']);
    expect(drift.stdout).toContain('      api_calls.maxOverageUnits: 4 last applied, 4,000 live');
    expect(drift.stdout).toContain('      api_calls.maxOverageUnits: 7 last applied, 70 live');
    expect(drift.stdout).toContain('      api_calls.maxOverageUnits: 10 last applied, 0 live');
    expect(drift.stdout).toContain('3 objects changed outside tollgate. tollgate apply reverts them to the policies');

    const json = JSON.parse((await tollgate(['drift', '--format', 'json', ...target], dir.cwd)).stdout) as { drift: Array<{ key: string; changes: Array<{ path: string; before: unknown; after: unknown }> }> };
    expect(json.drift.map((d) => [d.key, d.changes])).toEqual([
      ['customer:c10', [expect.objectContaining({ path: 'api_calls.maxOverageUnits', before: 10, after: 0 })]],
      ['customer:c4', [expect.objectContaining({ path: 'api_calls.maxOverageUnits', before: 4, after: 4000 })]],
      ['customer:c7', [expect.objectContaining({ path: 'api_calls.maxOverageUnits', before: 7, after: 70 })]],
    ]);

    const plan = await tollgate(['plan', ...target], dir.cwd);
    expect(plan.stdout).toMatch(/^Changed outside tollgate since the last apply \(applying reverts it\):\n {2}! customer c10/);
    expect(plan.stdout).toMatch(/^Plan: 0 to add, 3 to change, 0 to remove \(3 customers, 0 entities affected; .*3 objects changed outside tollgate\)\.$/m);
    const markdown = await tollgate(['plan', '--format', 'markdown', '-o', 'plan.json', ...target], dir.cwd);
    expect(markdown.stdout).toContain('#### Changed outside tollgate since the last apply');
    expect(markdown.stdout).toContain('| customer c4 | `api_calls.maxOverageUnits` | 4 | **4,000** |');
    const planJson = JSON.parse(readFileSync(path.join(dir.cwd, 'plan.json'), 'utf8')) as { drift: Array<{ key: string }> };
    expect(planJson.drift.map((d) => d.key)).toEqual(['customer:c10', 'customer:c4', 'customer:c7']);

    // the saved plan, drift and all, applies: it reverts the three
    const revert = await tollgate(['apply', 'plan.json', '--yes'], dir.cwd);
    expect(revert.stdout).toContain('Apply complete! Objects: 0 added, 3 changed, 0 removed.');
    expect((await tollgate(['drift', '--detailed-exitcode', ...target], dir.cwd)).code).toBe(0);
    expect((await tollgate(['plan', '--detailed-exitcode', ...target], dir.cwd)).code).toBe(0);
  }, 300_000);
});
