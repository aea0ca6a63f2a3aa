// A team's CI with the PostgreSQL backend, through the real CLI against the emulators over loopback HTTP:
// two checkouts applying at once, an apply killed with SIGKILL, and a fresh clone that must still know which
// customers tollgate manages. The database is a throwaway PostgreSQL cluster (see ../helpers/postgres.ts).
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sameControls } from '../../src/apply/apply.js';
import { openBackend, selectBackend } from '../../src/backend/index.js';
import type { AutumnEmulator } from '../../src/emulate/autumn/emulator.js';
import { createTarget } from '../../src/targets/index.js';
import { startGateProxy } from '../helpers/gate-proxy.js';
import { postgresForTests } from '../helpers/postgres.js';
import { emulator, fleetPolicies, KEY, seedFor, tollgate, workDir } from '../targets/autumn/helpers.js';
import * as owostack from '../targets/owostack/helpers.js';

const server = await postgresForTests();
afterAll(() => server?.stop());

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const isWrite = (method: string, url: string): boolean => method === 'POST' && url.endsWith('.update');

async function autumnEmulator(): Promise<AutumnEmulator> {
  const emu = await emulator({ rateLimit: 0 });
  cleanups.push(() => emu.close());
  return emu;
}

/** A checkout of the policy repository: its own folder, no .tollgate/ of its own making. */
function checkout(files: Record<string, string>) {
  const dir = workDir(files);
  cleanups.push(dir.cleanup);
  return dir;
}

describe.skipIf(!server)('the PostgreSQL backend, from the command line', () => {
  it('two applies from two checkouts at once: one runs, the other is refused naming the holder; nothing is written twice', async () => {
    const db = server!.url(await server!.createDatabase('team'));
    const files = fleetPolicies(12, 4);
    const [a, b] = [checkout(files), checkout(files)];
    const emu = await autumnEmulator();
    emu.seed(seedFor(path.join(a.cwd, 'policies')));
    const proxy = await startGateProxy(emu.url);
    cleanups.push(() => proxy.close());
    const args = ['apply', '--yes', '--target', 'autumn', '--endpoint', proxy.url, '--backend', db];

    // a's first write is held at the proxy: a holds the lock while b runs from start to end
    const aWrites = proxy.hold(isWrite);
    const first = tollgate(args, a.cwd, { GITHUB_ACTOR: 'alice', GITHUB_SHA: 'a'.repeat(40) });
    await aWrites;
    const second = await tollgate(args, b.cwd, { GITHUB_ACTOR: 'bob', GITHUB_SHA: 'b'.repeat(40) });
    proxy.release();
    const done = await first;

    expect(done.code, done.stdout + done.stderr).toBe(0);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(`^error: Another apply holds the lock on autumn at ${proxy.url.replace(/[.:/]/g, '\\$&')}: alice on \\S+ \\(pid \\d+, commit aaaaaaaaaaaa\\), since \\S+: "tollgate apply --yes --target autumn --endpoint \\S+ --backend postgres://\\S+:\\*\\*\\*@`),
    );
    expect(second.stdout + second.stderr).not.toContain(server!.password);

    // every object was written by one apply, once: the same writes a lone apply of these policies makes
    const writes = emu.requests().filter((r) => isWrite(r.method, r.path) && r.stored);
    const alone = await autumnEmulator();
    alone.seed(seedFor(path.join(a.cwd, 'policies')));
    const lone = checkout(files);
    expect((await tollgate(['apply', '--yes', '--target', 'autumn', '--endpoint', alone.url], lone.cwd)).code).toBe(0);
    expect(writes.length).toBe(alone.requests().filter((r) => isWrite(r.method, r.path) && r.stored).length);
    const settled = await tollgate(['plan', '--detailed-exitcode', '--target', 'autumn', '--endpoint', proxy.url, '--backend', db], b.cwd);
    expect(settled.code, settled.stdout + settled.stderr).toBe(0);

    // the history, read from the other checkout, names the one apply that ran
    const history = await tollgate(['history', '--format', 'json', '--target', 'autumn', '--endpoint', proxy.url, '--backend', db], b.cwd);
    expect(history.code, history.stderr).toBe(0);
    expect(JSON.parse(history.stdout)).toMatchObject([{ actor: 'alice', commit: 'a'.repeat(40), result: 'succeeded', counts: { failed: 0, notAttempted: 0 } }]);
  }, 120_000);

  it('an apply killed with SIGKILL does not block the next one, which finishes; history shows both and the records match the live state', async () => {
    const db = server!.url(await server!.createDatabase('kill'));
    const dir = checkout(fleetPolicies(20, 6));
    let seen = 0;
    let kill = (): void => {};
    const emu = await emulator({
      rateLimit: 0,
      onRequest: (r) => {
        if (isWrite(r.method, r.path) && r.stored && ++seen === 7) kill();
      },
    });
    cleanups.push(() => emu.close());
    emu.seed(seedFor(path.join(dir.cwd, 'policies')));
    const target = ['--target', 'autumn', '--endpoint', emu.url, '--backend', db];

    const killed = tollgate(['apply', '--yes', ...target], dir.cwd, { GITHUB_ACTOR: 'ci' });
    kill = () => killed.child.kill('SIGKILL');
    expect((await killed).code).toBe(128);

    const rerun = await tollgate(['apply', '--yes', ...target], dir.cwd, { GITHUB_ACTOR: 'ci' });
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/Apply complete!/);
    expect((await tollgate(['plan', '--detailed-exitcode', ...target], dir.cwd)).code).toBe(0);

    const history = await tollgate(['history', '--format', 'json', ...target], dir.cwd);
    const entries = JSON.parse(history.stdout) as Array<{ id: string; result: string }>;
    expect(entries.map((e) => e.result)).toEqual(['succeeded', 'unfinished']);
    // the killed apply's entry lists the objects whose records it wrote before it died
    const unfinished = await tollgate(['history', entries[1]!.id, ...target], dir.cwd);
    expect(unfinished.stdout).toContain('result:   unfinished');
    expect(unfinished.stdout.match(/^ {2}applied +\S+$/gm)?.length ?? 0).toBeGreaterThan(0);

    // every record is what the object holds now
    const backend = await openBackend(selectBackend(db), { target: 'autumn', endpoint: emu.url });
    try {
      const keys = await backend.managedKeys();
      const records = await backend.lastApplied(keys);
      const live = await createTarget({ name: 'autumn', endpoint: emu.url, env: { AUTUMN_SECRET_KEY: KEY } }).read(keys);
      expect(keys.length).toBeGreaterThan(20);
      for (const key of keys) expect(sameControls(live.get(key)?.controls, records.get(key)?.controls), key).toBe(true);
    } finally {
      await backend.close();
    }
  }, 120_000);

  it('Owostack from a fresh clone: deleting a customer file plans clearing its overrides', async () => {
    const db = server!.url(await server!.createDatabase('owostack'));
    const fixtures = new owostack.Fixtures();
    cleanups.push(() => fixtures.cleanup());
    const emu = await fixtures.emulator();
    const first = fixtures.workdir();
    cpSync(path.join(owostack.REPO, 'examples/owostack/policies'), path.join(first, 'policies'), { recursive: true });
    owostack.seedCustomersOf(emu, path.join(first, 'policies'));
    const target = ['--dir', 'policies', '--target', 'owostack', '--endpoint', emu.baseUrl, '--backend', db];
    const applied = await owostack.tollgate(['apply', '--yes', ...target], first);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);

    // CI's next run: a fresh clone (no .tollgate/) of a commit that deletes one customer's file
    const clone = fixtures.workdir();
    cpSync(path.join(first, 'policies'), path.join(clone, 'policies'), { recursive: true });
    rmSync(path.join(clone, 'policies/customers/cust_initech.yaml'));
    const plan = await owostack.tollgate(['plan', '--detailed-exitcode', ...target], clone);
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toContain('- customer cust_initech (all overrides removed)');
    expect(plan.stdout).toContain('Plan: 0 to add, 0 to change, 1 to remove (1 customer, 0 entities affected).');

    const cleared = await owostack.tollgate(['apply', '--yes', ...target], clone);
    expect(cleared.code, cleared.stdout + cleared.stderr).toBe(0);
    expect(owostack.emulatorBilling(emu).get('cust_initech')).toEqual({ overageLimit: null, featureConfigs: [] });
    expect((await owostack.tollgate(['plan', '--detailed-exitcode', ...target], clone)).code).toBe(0);
  }, 120_000);
});
