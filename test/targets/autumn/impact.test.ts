// Impact at current usage against the Autumn emulator over real HTTP: usage set with balances.track, read back
// from the reads plan already makes, and a lowered cap shown as "blocked now" in every plan format.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AutumnEmulator } from '../../../src/emulate/autumn/emulator.js';
import { emulator, KEY, seedFor, SMALL_POLICIES, tollgate, workDir } from './helpers.js';

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** POST /v1/balances.track as an application would send it. */
async function track(emu: AutumnEmulator, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await fetch(`${emu.url}/v1/balances.track`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'x-api-version': '2.3.0' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

const withCap = (cap: number): string => SMALL_POLICIES['policies/customers/acme.yaml']!.replace('maxOverageUnits: 5000', `maxOverageUnits: ${cap}`);

describe('plan at current usage on Autumn', () => {
  it('a cap lowered below current usage is "blocked now" in text, markdown, JSON and the summary; raised back, unblocked', async () => {
    const dir = workDir(SMALL_POLICIES);
    const emu = await emulator({ rateLimit: 0 });
    cleanups.push(dir.cleanup, () => emu.close());
    emu.seed(seedFor(path.join(dir.cwd, 'policies')));
    const run = (...args: string[]) => tollgate([...args, '--target', 'autumn', '--endpoint', emu.url], dir.cwd);
    expect((await run('apply', '--yes')).code).toBe(0);

    // acme has used 4,000 calls (1,000 included + 5,000 overage allowed); its workspace 2,500 (cap 2,000).
    const answer = await track(emu, { customer_id: 'acme', feature_id: 'api_calls', value: 3000 });
    expect(answer).toMatchObject({ customer_id: 'acme', value: 3000, balance: { feature_id: 'api_calls', usage: 3000 } });
    await track(emu, { customer_id: 'acme', feature_id: 'api_calls', value: 1000 });
    await track(emu, { customer_id: 'acme', entity_id: 'workspace_a', feature_id: 'api_calls', value: 2500 });

    dir.write('policies/customers/acme.yaml', withCap(2000));
    emu.clearRequests();
    const text = await run('plan');
    expect(text.stdout).toContain('Plan: 0 to add, 1 to change, 0 to remove (1 customer, 0 entities affected; 1 customer blocked at current usage).');
    expect(text.stdout).toContain('Impact at current usage (live usage from autumn):');
    expect(text.stdout).toMatch(/acme api_calls at 4,000: allowed, 3,000 over \(\$3\.00\) → blocked: spend limit reached, 2,000 over \(\$2\.00\) {2}BLOCKED NOW/);
    // Usage comes with the reads plan makes anyway: not one request more than a plan without usage.
    const withUsage = emu.requests().length;
    emu.clearRequests();
    const none = await run('plan', '--usage', 'none');
    expect(none.stdout).not.toContain('Impact at current usage');
    expect(none.stdout).toContain('(1 customer, 0 entities affected).');
    expect(emu.requests().length).toBe(withUsage);

    const markdown = await run('plan', '--format', 'markdown');
    expect(markdown.stdout).toContain('**Plan: 0 to add, 1 to change, 0 to remove (1 customer, 0 entities affected; 1 customer blocked at current usage).**');
    const table = markdown.stdout.slice(markdown.stdout.indexOf('#### Impact at current usage'));
    expect(table.split('\n').find((l) => l.startsWith('| ⛔'))).toBe('| ⛔ **blocked now** | `acme` | `api_calls` | 4,000 | allowed, 3,000 over ($3.00) | blocked: spend limit reached, 2,000 over ($2.00) |');

    const json = JSON.parse((await run('plan', '--format', 'json')).stdout) as { summary: { blockedNow: number }; impact: { source: unknown; rows: Array<Record<string, unknown>>; blockedNow: unknown } };
    expect(json.summary.blockedNow).toBe(1);
    expect(json.impact.source).toEqual({ kind: 'live', target: 'autumn' });
    expect(json.impact.blockedNow).toEqual({ customers: 1, entities: 0 });
    expect(json.impact.rows[0]).toEqual({
      customer: 'acme',
      feature: 'api_calls',
      usage: 4000,
      currency: 'USD',
      before: { allowed: true, blockedBy: null, overageUnits: 3000, overageCharge: 300 },
      after: { allowed: false, blockedBy: 'spend_limit', overageUnits: 2000, overageCharge: 200 },
      blockedNow: true,
      unblocked: false,
      newlyCharged: false,
    });

    // A saved plan carries its impact and still applies exactly.
    const saved = await run('plan', '-o', 'plan.json');
    expect(saved.stdout).toContain('1 customer blocked at current usage');
    expect((await tollgate(['apply', 'plan.json', '--yes'], dir.cwd)).code).toBe(0);

    dir.write('policies/customers/acme.yaml', withCap(5000));
    const back = await run('plan');
    expect(back.stdout).toContain('(1 customer, 0 entities affected; no customer blocked at current usage).');
    expect(back.stdout).toMatch(/acme api_calls at 4,000: blocked: spend limit reached, 2,000 over \(\$2\.00\) → allowed, 3,000 over \(\$3\.00\) {2}unblocked/);
    // Ten runs of the real CLI: on a loaded machine that is past the default minute.
  }, 180_000);

  it('balances.track refuses what the real API refuses: an unknown customer or entity, a body autumn-js rejects', async () => {
    const dir = workDir(SMALL_POLICIES);
    const emu = await emulator({ rateLimit: 0 });
    cleanups.push(dir.cleanup, () => emu.close());
    emu.seed(seedFor(path.join(dir.cwd, 'policies')));
    const post = (body: unknown) => fetch(`${emu.url}/v1/balances.track`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ customer_id: 'nobody', feature_id: 'api_calls' })).status).toBe(404);
    expect((await post({ customer_id: 'acme', entity_id: 'nope', feature_id: 'api_calls' })).status).toBe(404);
    const bad = await post({ customer_id: 'acme', feature_id: 'api_calls', value: 'ten' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'invalid_inputs' });
    // Without a value, one unit is tracked; the usage is kept in the state file's records.
    await track(emu, { customer_id: 'acme', feature_id: 'seats' });
    expect(emu.state().customers.find((c) => c.id === 'acme')!.usage).toEqual({ seats: 1 });
  });
});
