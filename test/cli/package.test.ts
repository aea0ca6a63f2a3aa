// tollgate as a policy repository gets it: the npm package packed from this repository, installed into a folder
// that holds only policies, driven by the documented CI script and by the GitHub Action. Offline: the
// dependencies' tarballs come from the npm cache that this repository's own `npm ci` filled.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction } from '../helpers/action.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The registry npm is set to use, ending in a slash: where the lockfile's tarballs are named from. */
const REGISTRY = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim().replace(/\/?$/, '/');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment without what `npm test` exports: an inherited npm_config_local_prefix would point npm back at this repository. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key === 'INIT_CWD' || key === 'GITHUB_ACTIONS' || key.startsWith('VITEST') || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  // The example policies hold an exception and a waiver that end: resolve at a fixed instant, so results never move with the date.
  return { ...env, NO_COLOR: '1', TOLLGATE_AT: '2026-11-26T12:00:00Z', npm_config_offline: 'true', npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false', ...extra };
}

function run(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/**
 * Pins the tarball as a devDependency, as `npm install --save-dev ./vendor/tollgate-….tgz` does. The lockfile is
 * written here rather than by npm because resolving version ranges needs the registry; its entries for tollgate's
 * dependencies are this repository's own, so `npm ci --offline` finds every tarball in the cache.
 */
function pinTarball(dir: string, tarball: string): void {
  const lock = JSON.parse(readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; name?: string; version?: string }> };
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as Record<string, unknown>;
  const spec = `file:vendor/${path.basename(tarball)}`;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { devDependencies: { tollgate: spec } },
    'node_modules/tollgate': { version: pkg.version, resolved: spec, integrity, dev: true, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
  };
  // Each entry names its tarball, so npm takes it from the cache by integrity and never needs the package's registry
  // metadata, which the cache may hold in another form than an offline install asks for.
  for (const [where, entry] of Object.entries(lock.packages)) {
    if (!where.startsWith('node_modules/') || entry.dev) continue;
    const name = entry.name ?? where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length);
    packages[where] = { resolved: `${REGISTRY}${name}/-/${name.split('/').pop()}-${entry.version}.tgz`, ...entry, dev: true };
  }
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true, devDependencies: { tollgate: spec } }, null, 2) + '\n');
  writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, requires: true, packages }, null, 2) + '\n');
}

describe('the npm package', () => {
  let tmp: string;
  let tarball: string;
  let packed: string[];
  let policyRepo: string;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'tollgate-pack-'));
    // --ignore-scripts: `npm test` built dist/ already, and rebuilding it here would rewrite files other tests are running.
    const pack = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], REPO);
    expect(pack.stderr).not.toMatch(/npm error/);
    const [info] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = path.join(tmp, info!.filename);
    packed = info!.files.map((f) => f.path);
    policyRepo = path.join(tmp, 'policy-repo');
    mkdirSync(path.join(policyRepo, 'vendor'), { recursive: true });
    cpSync(path.join(REPO, 'policies'), path.join(policyRepo, 'policies'), { recursive: true });
    cpSync(tarball, path.join(policyRepo, 'vendor', path.basename(tarball)));
  }, 120_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('holds the built CLI and the schemas it reads at run time, not the sources and tests', () => {
    expect(packed).toEqual(expect.arrayContaining(['package.json', 'README.md', 'bin/tollgate.js', 'dist/cli/main.js', 'dist/validate/schema.js', 'schema/policy.schema.json', 'schema/plan.schema.json']));
    expect(packed.filter((f) => /^(src|test|scripts|docs|policies|examples)\//.test(f))).toEqual([]);
    // A real `npm pack` (or an install from git) builds dist/ first.
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prepare).toBe('npm run build');
  });

  it('installs into a folder holding only policies and runs the documented CI script there: review, then deploy', async () => {
    pinTarball(policyRepo, path.join(policyRepo, 'vendor', path.basename(tarball)));
    const script = path.join(REPO, 'docs/ci/generic-ci.sh');

    const review = await run('bash', [script], policyRepo, cleanEnv({ TOLLGATE_STAGE: 'review', TOLLGATE_LIVE: 'true' }));
    expect(review.stderr).not.toMatch(/npm error/);
    expect(review.code).toBe(0);
    expect(existsSync(path.join(policyRepo, 'node_modules/tollgate/dist/cli/main.js'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(policyRepo, 'tollgate.sarif'), 'utf8'))).toMatchObject({ version: '2.1.0' });
    expect(readFileSync(path.join(policyRepo, 'plan.md'), 'utf8')).toMatch(/26 to add/);

    const deploy = await run('bash', [script], policyRepo, cleanEnv({ TOLLGATE_STAGE: 'deploy' }));
    expect(deploy.code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(policyRepo, 'apply-report.json'), 'utf8'))).toBeTruthy();

    const bin = path.join(policyRepo, 'node_modules/.bin/tollgate');
    const validate = await run(bin, ['validate'], policyRepo);
    expect(validate).toMatchObject({ code: 0, stdout: 'No problems found.\nGuardrails: 3 passed, 1 waived, 0 failed.\n' });
    const again = await run(bin, ['plan', '--detailed-exitcode'], policyRepo);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes.');
    expect((await run(bin, ['--version'], policyRepo)).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  }, 180_000);

  it('works as the GitHub Action from the packed files', async () => {
    const installed = path.join(policyRepo, 'node_modules/tollgate');
    if (!existsSync(installed)) {
      // run alone (vitest -t): install the way the previous test's CI script does
      pinTarball(policyRepo, path.join(policyRepo, 'vendor', path.basename(tarball)));
      expect((await run('npm', ['ci'], policyRepo)).code).toBe(0);
    }
    cpSync(path.join(REPO, 'action.yml'), path.join(installed, 'action.yml'));
    const result = await runAction(installed, { command: 'validate' }, policyRepo, cleanEnv());
    expect(result).toMatchObject({ code: 0, outputs: { 'exit-code': '0' } });
    expect(result.stdout).toBe('No problems found.\nGuardrails: 3 passed, 1 waived, 0 failed.\n');
  }, 180_000);
});
