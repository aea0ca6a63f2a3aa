// Parsing on worker threads (the CLI's default when many files need parsing) gives exactly the output of
// parsing on the main thread alone: diagnostics with their places, and the compiled artifact.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { withoutProgress } from '../helpers/progress-lines.js';
import type { ParsedFile } from '../../src/validate/analysis-cache.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs node; stderr without the progress lines, whose counts depend on timing. */
function node(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', TOLLGATE_CACHE: 'off', TOLLGATE_AT: '2026-11-26T12:00:00Z', ...env }, maxBuffer: 1 << 30 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr: withoutProgress(stderr) }),
    );
  });
}

let root: string;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'tollgate-workers-'));
  const fleet = await node([path.join(REPO, 'scripts/bench/generate-fleet.mjs'), '--customers', '120', '--out', path.join(root, 'policies')], REPO);
  expect(fleet.code).toBe(0);
}, 60_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

// The built modules, where the worker scripts exist (run from the sources, analyze() starts no workers).
it.skipIf(os.availableParallelism() < 2)('the workers compile customers, and the writer writes their text where this thread would write its own', async () => {
  const dist = async <T>(module: string): Promise<T> => (await import(pathToFileURL(path.join(REPO, 'dist', module)).href)) as T;
  const { analyze, finishDiagnostics } = await dist<typeof import('../../src/validate/index.js')>('validate/index.js');
  const { writeEffectivePolicy } = await dist<typeof import('../../src/resolve/stream.js')>('resolve/stream.js');
  const dir = path.join(root, 'policies');
  // customers among the fleet's whose resolved policy draws a warning: 30 spend limits where overage is blocked
  const warned = path.join(dir, 'customers/warned');
  mkdirSync(warned);
  for (let i = 0; i < 30; i++) {
    const id = `cust_${String(i * 4 + 1).padStart(6, '0')}_warned`;
    writeFileSync(path.join(warned, `${id}.yaml`), `kind: Customer\nid: ${id}\nplan: pro\ncontrols: { api_calls: { overage: block, maxOverageUnits: ${i + 1} } }\n`);
  }
  try {
    const at = Date.parse('2026-11-26T12:00:00Z');
    // the customers' checks left to the writer (validate/unchecked.ts), as compile to a file does
    const analysis = analyze(dir, { at, parallel: true, precompile: true, checkWhileWriting: true });
    const precompiled = analysis.precompiled!;
    expect(precompiled).toBeDefined();
    expect(analysis.unchecked).toBeDefined();
    expect(analysis.diagnostics).toEqual([]);
    // on 160 files this thread could compile every customer before the worker has started: wait for its first answer
    await precompiled.answered();
    let fromWorkers = 0;
    let checkedOnWorkers = 0;
    const take = precompiled.take.bind(precompiled);
    precompiled.take = (id, compile) => {
      const compiled = take(id, compile);
      if (compiled) fromWorkers++;
      if (compiled?.checked) checkedOnWorkers++;
      return compiled;
    };
    const written: string[] = [];
    try {
      await writeEffectivePolicy(analysis.customers, (chunk) => void written.push(chunk), undefined, undefined, precompiled, analysis.unchecked);
    } finally {
      precompiled.close();
    }
    const found = analysis.unchecked!.finish();
    const whole = analyze(dir, { at });
    const alone: string[] = [];
    await writeEffectivePolicy(whole.customers, (chunk) => void alone.push(chunk));
    expect(written.join('') === alone.join('')).toBe(true);
    // at least the worker's first batch of customers came from it, checked there
    expect(fromWorkers).toBeGreaterThan(0);
    expect(checkedOnWorkers).toBe(fromWorkers);
    // the checks made as the artifact was written are those of an analysis that checks first
    expect(found.filter((d) => d.code === 'ineffective-spend-limit')).toHaveLength(30);
    expect(finishDiagnostics([...analysis.diagnostics, ...found])).toEqual(whole.diagnostics);
  } finally {
    rmSync(warned, { recursive: true });
  }
}, 60_000);

// The built modules, as above.
it.skipIf(os.availableParallelism() < 2)('the cache keeps the documents as the workers encoded them: the pack of parses made on this thread', async () => {
  const dist = async <T>(module: string): Promise<T> => (await import(pathToFileURL(path.join(REPO, 'dist', module)).href)) as T;
  const { ParallelParser } = await dist<typeof import('../../src/load/parallel-parse.js')>('load/parallel-parse.js');
  const { listPolicyFiles, readPolicyFile } = await dist<typeof import('../../src/load/files.js')>('load/files.js');
  const { parsePolicyYaml } = await dist<typeof import('../../src/load/yaml.js')>('load/yaml.js');
  const { PolicyCache } = await dist<typeof import('../../src/cache/policy-cache.js')>('cache/policy-cache.js');
  const { CACHE_KEY } = await dist<typeof import('../../src/cache/cache-key.js')>('cache/cache-key.js');
  const sources = listPolicyFiles(path.join(root, 'policies')).files.map((file) => readPolicyFile(file).source!);
  const packOf = (parse: (i: number) => ParsedFile): Buffer => {
    const home = mkdtempSync(path.join(root, 'cache-'));
    const cache = new PolicyCache(home);
    sources.forEach((source, i) => cache.parse(source, () => parse(i)));
    cache.save();
    return readFileSync(path.join(home, CACHE_KEY, 'analysis.pack'));
  };
  const alone = packOf((i) => parsePolicyYaml(sources[i]!));
  expect(alone.toString()).toContain('"spans":');

  const parser = ParallelParser.start(sources)!;
  expect(parser).toBeDefined();
  // waited for, so that at least one file's parse comes from a worker, encoded there
  await parser.answered();
  const parsed = sources.map((source) => parser.take(source)!);
  parser.close();
  expect(parsed.filter((p) => p.encoded !== undefined).length).toBeGreaterThan(0);
  expect(packOf((i) => parsed[i]!).equals(alone)).toBe(true);
}, 60_000);

it('workers and the main thread alone agree, on clean policies and on every kind of problem', async () => {
  const bin = path.join(REPO, 'bin/tollgate.js');
  const both = async (args: string[]) => {
    const alone = await node([bin, ...args], root, { TOLLGATE_WORKERS: 'off' });
    const workers = await node([bin, ...args], root);
    // compared apart, so that a difference shows as one, not as the whole artifact
    expect(workers.stdout === alone.stdout).toBe(true);
    expect({ ...workers, stdout: '' }).toEqual({ ...alone, stdout: '' });
    return alone;
  };
  const clean = await both(['compile', '--dir', 'policies']);
  expect(clean.code).toBe(0);
  expect(JSON.parse(clean.stdout).customers).toHaveProperty('cust_000120');

  // Workers compile the customers whose files they parsed (resolve/precompile.ts). Customers with entities in
  // files of their own, maybe parsed by the other thread, and with exceptions active or ended at the instant
  // resolved at, written to a file: the artifact is the same byte for byte.
  const extra = path.join(root, 'policies/customers/extra');
  mkdirSync(extra);
  for (let i = 1; i <= 40; i++) {
    const id = `cust_${String(i).padStart(6, '0')}`;
    const plan = /^plan: (\S+)$/m.exec(readFileSync(path.join(root, 'policies/customers/0000', `${id}.yaml`), 'utf8'))?.[1];
    const controls = plan === 'pro' ? `controls: { api_calls: { overage: allow, maxOverageUnits: ${i * 10} } }\n` : '';
    writeFileSync(path.join(extra, `${id}-seats.yaml`), `kind: Entity\ncustomer: ${id}\nid: seat-${i}\nname: Seat ${i}\n${controls}`);
  }
  writeFileSync(
    path.join(extra, 'exceptions.yaml'),
    ['2026-12-31T00:00:00Z', '2026-11-01T00:00:00Z']
      .map((until, i) => `kind: Customer\nid: excepted_${i}\nplan: pro\nextends: [enterprise]\nexceptions:\n  - { id: promo, until: "${until}", reason: Launch promo, controls: { api_calls: { maxOverageUnits: 777 } } }\n`)
      .join('---\n'),
  );
  const out = (name: string) => path.join(root, name);
  const alone = await node([bin, 'compile', '--dir', 'policies', '-o', out('alone.json')], root, { TOLLGATE_WORKERS: 'off' });
  const workers = await node([bin, 'compile', '--dir', 'policies', '-o', out('workers.json')], root);
  expect(alone.code).toBe(0);
  expect(workers).toEqual({ ...alone, stderr: alone.stderr.replace('alone.json', 'workers.json') });
  const artifact = readFileSync(out('workers.json'), 'utf8');
  expect(artifact === readFileSync(out('alone.json'), 'utf8')).toBe(true);
  const compiled = JSON.parse(artifact).customers;
  expect(compiled.cust_000007.entities['seat-7'].features.api_calls.maxOverageUnits).toBe(70);
  expect(compiled.excepted_0.features.api_calls.maxOverageUnits).toBe(777);
  expect(compiled.excepted_1.features.api_calls.maxOverageUnits).not.toBe(777);
  // Refused for an error while the workers compile: the same diagnostics as the main thread alone prints, warnings
  // included.
  for (let i = 0; i < 30; i++) {
    writeFileSync(path.join(extra, `warned_${i}.yaml`), `kind: Customer\nid: warned_${i}\nplan: pro\ncontrols: { api_calls: { overage: block, maxOverageUnits: ${i + 1} } }\n`);
  }
  writeFileSync(path.join(extra, 'unknown-plan.yaml'), 'kind: Customer\nid: unknown_plan\nplan: no-such-plan\n');
  const refusedAlone = await node([bin, 'compile', '--dir', 'policies', '-o', out('refused.json')], root, { TOLLGATE_WORKERS: 'off' });
  const refused = await node([bin, 'compile', '--dir', 'policies', '-o', out('refused.json')], root);
  expect(refusedAlone.code).toBe(1);
  expect(refused).toEqual(refusedAlone);
  expect(refused.stderr.match(/ineffective-spend-limit/g)).toHaveLength(30);
  expect(refused.stderr).toContain('unknown-plan');
  expect(existsSync(out('refused.json'))).toBe(false);
  // An error only a customer's resolved policy shows, found as the artifact is written (validate/unchecked.ts): the
  // same refusal on the workers, on this thread alone, and to stdout (where the checks come first); no artifact.
  rmSync(path.join(extra, 'unknown-plan.yaml'));
  writeFileSync(
    path.join(extra, 'topped-up.yaml'),
    'kind: Profile\nid: auto-refill\ncontrols: { api_calls: { autoTopup: { threshold: 10, quantity: 100 } } }\n---\nkind: Customer\nid: cust_000050_topped\nplan: pro\nextends: [auto-refill]\n',
  );
  const lateAlone = await node([bin, 'compile', '--dir', 'policies', '-o', out('late.json')], root, { TOLLGATE_WORKERS: 'off' });
  const late = await node([bin, 'compile', '--dir', 'policies', '-o', out('late.json')], root);
  const lateToStdout = await node([bin, 'compile', '--dir', 'policies'], root);
  expect(lateAlone.code).toBe(1);
  expect(late).toEqual(lateAlone);
  expect(lateToStdout).toEqual(lateAlone);
  expect(late.stderr).toContain('auto-topup-without-price');
  expect(late.stderr.match(/ineffective-spend-limit/g)).toHaveLength(30);
  expect(existsSync(out('late.json'))).toBe(false);
  expect(readdirSync(root).filter((f) => f.includes('late.json'))).toEqual([]);
  rmSync(extra, { recursive: true });

  // problems in files dealt to every thread: YAML syntax, duplicate keys, schema, references, a -0
  const customers = readdirSync(path.join(root, 'policies/customers/0000')).sort();
  customers.slice(0, 12).forEach((file, i) => {
    const full = path.join(root, 'policies/customers/0000', file);
    const problem = ['plan: [unclosed', 'plan: pro\nplan: free', 'plan: no-such-plan', 'plan: pro\nextends: [no-such-profile]'][i % 4]!;
    writeFileSync(full, readFileSync(full, 'utf8').replace(/^plan: .*$/m, problem));
  });
  writeFileSync(path.join(root, 'policies/customers/minus-zero.yaml'), 'kind: Customer\nid: minus_zero\nplan: pro\ncontrols: { api_calls: { maxOverageUnits: -0 } }\n');
  const broken = await both(['validate', '--dir', 'policies', '--format', 'json']);
  expect(broken.code).toBe(1);
  const codes = new Set((JSON.parse(broken.stdout) as { diagnostics: Array<{ code: string }> }).diagnostics.map((d) => d.code));
  expect([...codes].sort()).toEqual(expect.arrayContaining(['unknown-plan', 'unknown-profile', 'yaml-duplicate-key', 'yaml-syntax']));
  await both(['validate', '--dir', 'policies']);
}, 180_000);

it('run from the sources, where there is no compiled worker, parses on this thread alone and throws nothing', async () => {
  const { ParallelParser } = await import('../../src/load/parallel-parse.js');
  const { analyze } = await import('../../src/validate/index.js');
  const { SourceFile } = await import('../../src/util/source-file.js');
  const sources = Array.from({ length: 100 }, (_, i) => new SourceFile(`f${i}.yaml`, `kind: Feature\nid: f${i}\ntype: metered\n`));
  expect(ParallelParser.start(sources)).toBeUndefined();
  const dir = path.join(root, 'policies');
  expect(analyze(dir, { parallel: true, at: Date.parse('2026-11-26T12:00:00Z') }).diagnostics).toEqual(analyze(dir, { parallel: false, at: Date.parse('2026-11-26T12:00:00Z') }).diagnostics);
});
