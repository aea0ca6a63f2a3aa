// A saved plan against the Autumn emulator over real HTTP: applied where it was made and as the policies at its
// digest produce it, from any working directory, with nothing written when it is refused.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AutumnEmulator } from '../../../src/emulate/autumn/emulator.js';
import { emulator, seedFor, SMALL_POLICIES, tollgate, workDir } from './helpers.js';

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** A policy directory and an emulator seeded with the objects it names. */
async function setup(): Promise<{ cwd: string; emu: AutumnEmulator }> {
  const dir = workDir(SMALL_POLICIES);
  const emu = await emulator();
  cleanups.push(dir.cleanup, () => emu.close());
  emu.seed(seedFor(path.join(dir.cwd, 'policies')));
  return { cwd: dir.cwd, emu };
}

/** Requests that wrote controls or markers. */
function writes(emu: AutumnEmulator): string[] {
  return emu
    .requests()
    .filter((r) => r.path.endsWith('.update'))
    .map((r) => r.path);
}

describe('a saved plan on autumn', () => {
  it('is refused by a run that points at another endpoint, naming both; with none named it applies where it was made', async () => {
    const { cwd, emu: a } = await setup();
    const b = await emulator();
    cleanups.push(() => b.close());
    b.seed(seedFor(path.join(cwd, 'policies')));

    const plan = await tollgate(['plan', '--target', 'autumn', '-o', 'plan.json'], cwd, { AUTUMN_API_URL: a.url });
    expect(plan.code).toBe(0);

    for (const [how, env, args] of [
      ['AUTUMN_API_URL', { AUTUMN_API_URL: b.url }, []],
      ['--endpoint', {}, ['--endpoint', b.url]],
    ] as const) {
      const refused = await tollgate(['apply', 'plan.json', '--yes', ...args], cwd, env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(
        `error: The plan plan.json was made for autumn at ${a.url}, but ${how} points at ${b.url}. Nothing was applied. ` +
          `Apply it against the endpoint it was made for, or make a plan for ${b.url}: tollgate plan -o plan.json\n`,
      );
    }
    expect(writes(a)).toEqual([]);
    expect(writes(b)).toEqual([]);

    const applied = await tollgate(['apply', 'plan.json', '--yes'], cwd);
    expect(applied.stdout).toBe('Apply complete! Objects: 4 added, 0 changed, 0 removed.\n');
    expect(applied.code).toBe(0);
    expect(writes(a).length).toBeGreaterThanOrEqual(4);
    expect(writes(b)).toEqual([]);
    // The same endpoint written differently is the same endpoint: not refused.
    const again = await tollgate(['apply', 'plan.json', '--yes'], cwd, { AUTUMN_API_URL: `${a.url}/` });
    expect(again.stderr).toContain('4 of 4 objects already hold the planned state');
    expect(again.code).toBe(0);
  });

  it('applies with no flag and no environment but the key, from another working directory', async () => {
    const { cwd, emu } = await setup();
    renameSync(path.join(cwd, 'policies'), path.join(cwd, 'billing'));
    mkdirSync(path.join(cwd, 'ci', 'job'), { recursive: true });
    expect((await tollgate(['plan', '--dir', 'billing', '--target', 'autumn', '-o', 'out.json'], cwd, { AUTUMN_API_URL: emu.url })).code).toBe(0);

    const run = await tollgate(['apply', '../../out.json', '--yes'], path.join(cwd, 'ci', 'job'));
    expect(run.stderr).toBe('Plan: 4 to add, 0 to change, 0 to remove (2 customers, 1 entity affected; no customer blocked at current usage).\n');
    expect(run.stdout).toBe('Apply complete! Objects: 4 added, 0 changed, 0 removed.\n');
    expect(run.code).toBe(0);
    // The apply lock and records were taken in the directory the plan was made in, where other applies look for them.
    expect(existsSync(path.join(cwd, 'ci', 'job', '.tollgate'))).toBe(false);
    expect(existsSync(path.join(cwd, '.tollgate', 'state', 'autumn'))).toBe(true);
    const again = await tollgate(['plan', '--dir', 'billing', '--target', 'autumn', '--detailed-exitcode'], cwd, { AUTUMN_API_URL: emu.url });
    expect(again.code).toBe(0);
  });

  it('refuses a plan edited by hand, naming the object and both values, and writes nothing', async () => {
    const { cwd, emu } = await setup();
    expect((await tollgate(['plan', '--target', 'autumn', '--endpoint', emu.url, '-o', 'plan.json'], cwd)).code).toBe(0);
    const plan = JSON.parse(readFileSync(path.join(cwd, 'plan.json'), 'utf8'));
    const acme = plan.objects.find((o: { key: string }) => o.key === 'customer:acme');
    acme.after.features.api_calls.maxOverageUnits = 999999;
    writeFileSync(path.join(cwd, 'plan.json'), JSON.stringify(plan));

    const run = await tollgate(['apply', 'plan.json', '--yes'], cwd);
    expect(run.stderr).toBe(
      'error: The plan plan.json is not what the policies at its digest produce, for 1 object: customer acme (api_calls.maxOverageUnits: 999999 in the plan, 5000 in the policies). ' +
        'It was changed after tollgate plan wrote it; nothing was applied. Make a new plan with: tollgate plan -o plan.json\n',
    );
    expect(run.code).toBe(1);
    expect(writes(emu)).toEqual([]);
  });

  it('refuses a report it cannot write before the first write, not after the last', async () => {
    const { cwd, emu } = await setup();
    const run = await tollgate(['apply', '--target', 'autumn', '--endpoint', emu.url, '--yes', '--report', 'missing/report.json'], cwd);
    expect(emu.requests()).toEqual([]);
    expect(run.stderr).toBe('error: Cannot write the report missing/report.json: the folder missing does not exist. Nothing was applied.\n');
    expect(run.code).toBe(1);
  });
});
