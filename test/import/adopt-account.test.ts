// Adopting an existing account end to end, over real HTTP at Autumn's rate limit: 1,000 customers with
// hand-set controls, imported with --catalog --profiles into an empty folder; then validate is clean and plan
// shows no changes. The time and requests it takes are printed (docs/benchmarks.md records them).
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emulator, tollgate, workDir } from '../targets/autumn/helpers.js';
import { accountToAdopt } from './account.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

describe('adopting an Autumn account of 1,000 customers', () => {
  it('imports with --catalog --profiles into an empty folder; validate is clean and plan shows no changes', { timeout: 600_000 }, async () => {
    const work = workDir({});
    cleanups.push(work.cleanup);
    // Autumn's own limit, 25 requests a second, as `tollgate emulate autumn` serves it.
    const emu = await emulator({ statePath: path.join(work.cwd, 'autumn-state.json'), maxLoggedRequests: 100_000 });
    cleanups.push(() => emu.close());
    emu.seed(accountToAdopt(1000));
    emu.clearRequests();
    const env = { AUTUMN_API_URL: emu.url };

    const started = Date.now();
    const imported = await tollgate(['import', '--target', 'autumn', '--all', '--catalog', '--profiles'], work.cwd, env);
    const importMs = Date.now() - started;
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    const importRequests = emu.requests();
    expect(imported.stdout).toMatch(/^Imported 890 customers, 400 entities, 2 plans, 5 features, 5 shared profiles from autumn into 898 files:$/m);
    expect(imported.stdout).toContain('100 customers hold no controls of their own');
    expect(imported.stdout).toContain('  c0099: its plan legacy cannot be written as a policy: api_calls is unlimited\n');
    expect(imported.stdout).toContain('Marked 890 customers as managed by tollgate in autumn (metadata only; no billing control changed).');
    expect(readdirSync(path.join(work.cwd, 'policies', 'customers'))).toHaveLength(890);

    const validate = await tollgate(['validate'], work.cwd, env);
    expect(validate.stdout).toBe('No problems found.\n');
    expect(validate.code).toBe(0);

    emu.clearRequests();
    const planStarted = Date.now();
    const plan = await tollgate(['plan', '--target', 'autumn', '--detailed-exitcode'], work.cwd, env);
    const planMs = Date.now() - planStarted;
    expect(plan.stdout).toContain('No changes.');
    expect(plan.code).toBe(0);

    // The entries tollgate does not model are all still there.
    const state = emu.state();
    expect(state.customers.filter((c) => c.billing_controls.usage_alerts?.some((a) => a.threshold_type === 'remaining'))).toHaveLength(100);

    const byRoute = (requests: ReturnType<typeof emu.requests>) =>
      Object.entries(requests.reduce<Record<string, number>>((n, r) => ({ ...n, [r.path]: (n[r.path] ?? 0) + 1 }), {}))
        .sort()
        .map(([route, count]) => `${route} ${count}`)
        .join(', ');
    console.log(
      `import of 1,000 customers: ${(importMs / 1000).toFixed(1)} s, ${importRequests.length} requests (${byRoute(importRequests)}); ` +
        `plan after it: ${(planMs / 1000).toFixed(1)} s, ${emu.requests().length} requests (${byRoute(emu.requests())}); ` +
        `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
    );
  });
});
