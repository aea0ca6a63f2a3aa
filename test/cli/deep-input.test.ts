// Inputs that chain or nest far deeper than anyone writes by hand (fuzzing finds them): every command ends
// with exit 0 or 1 and a message, never a call-stack overflow. Runs the real CLI on generated policy dirs.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { policyDir, type PolicyDir } from '../helpers/policy-dir.js';
import { expandEffectivePolicy } from '../../src/engine/index.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tollgate.js');
const CHAIN = 5000;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function tollgate(cwd: string, args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.GITHUB_ACTIONS;
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** No stack trace and no internal-error banner: what a user may see. */
function expectNoCrash(run: Run): void {
  expect(run.stderr).not.toMatch(/internal error|RangeError|Maximum call stack|\n\s+at /);
}

const CATALOG = [
  'kind: Feature\nid: calls\ntype: metered\n',
  'kind: Plan\nid: pro\ncurrency: USD\nfeatures:\n  calls: { included: 10, reset: month, pricing: usage_based, price: { amount: 1, per: 1 } }\n',
].join('---\n');

/** p0 extends p1 … extends p{n-1}; each sets a cap equal to its number + 1, so p0's cap (1) wins; optionally closed into a cycle. */
function profileChain(n: number, cycle: boolean): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    const parent = i < n - 1 ? `p${i + 1}` : cycle ? 'p0' : undefined;
    docs.push(`kind: Profile\nid: p${i}\n${parent ? `extends: [${parent}]\n` : ''}controls:\n  calls: { maxOverageUnits: ${i + 1} }\n`);
  }
  return docs.join('---\n');
}

const dirs: PolicyDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

function workspace(profiles: string): PolicyDir {
  const dir = policyDir({
    'policies/catalog.yaml': CATALOG,
    'policies/profiles.yaml': profiles,
    'policies/acme.yaml': 'kind: Customer\nid: acme\nplan: pro\nextends: [p0]\n',
  });
  dirs.push(dir);
  return dir;
}

describe(`a chain of ${CHAIN.toLocaleString('en-US')} profiles, each extending the next`, () => {
  it('validates, plans, compiles and explains; the nearest profile wins', async () => {
    const dir = workspace(profileChain(CHAIN, false));
    const validate = await tollgate(dir.path, ['validate']);
    expectNoCrash(validate);
    expect(validate).toMatchObject({ code: 0, stdout: 'No problems found.\n' });

    const plan = await tollgate(dir.path, ['plan']);
    expectNoCrash(plan);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/\+ calls\.maxOverageUnits: 1 {2}\(policies\/profiles\.yaml:5\)/);

    const compile = await tollgate(dir.path, ['compile']);
    expectNoCrash(compile);
    const calls = expandEffectivePolicy(JSON.parse(compile.stdout)).customers.acme!.features.calls!;
    expect(calls.maxOverageUnits).toBe(1);
    expect(calls.sources.maxOverageUnits.profile).toBe('p0');
    expect(calls.sources.maxOverageUnits.overridden).toHaveLength(CHAIN - 1);

    const explain = await tollgate(dir.path, ['explain', 'acme', 'calls']);
    expectNoCrash(explain);
    expect(explain.code).toBe(0);
  }, 120_000);

  it('closed into a cycle: one profile-cycle error with the cycle shortened, for validate and plan', async () => {
    const dir = workspace(profileChain(CHAIN, true));
    for (const command of ['validate', 'plan']) {
      const run = await tollgate(dir.path, [command]);
      expectNoCrash(run);
      expect(run.code).toBe(1);
      const text = command === 'validate' ? run.stdout : run.stderr;
      expect(text).toContain(`Profiles extend each other in a cycle: p0 → p1 → p2 → … (4,996 more) → p4999 → p0.`);
      expect(text).toMatch(/✖ 1 error\n/);
    }
  }, 120_000);
});

describe('a local state file nested 100,000 levels deep', () => {
  it('is refused with a message naming where, for plan and apply', async () => {
    const dir = workspace(profileChain(1, false));
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    mkdirSync(path.join(dir.path, '.tollgate/local'), { recursive: true });
    writeFileSync(
      path.join(dir.path, '.tollgate/local/state.json'),
      `{"formatVersion":1,"objects":{"customer:acme":{"plan":"pro","controls":{"features":{"calls":{"usageAlerts":${deep}}}}}}}\n`,
    );
    for (const args of [['plan'], ['apply', '--yes']]) {
      const run = await tollgate(dir.path, args);
      expectNoCrash(run);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('The local state .tollgate/local/state.json nests objects and arrays deeper than 32 levels (line 1, column 134)');
    }
  }, 60_000);
});
