#!/usr/bin/env node
// Impact benchmark: what `plan --usage` costs on top of a plan, against the Autumn emulator at Autumn's 25
// requests/s. N customers with one entity each, every one with usage, every one changed by the policies (so every
// one gets an impact row). Runs `plan --usage none`, `--usage live` and `--usage usage.csv`, each `--runs` times,
// and reports the median wall time and the requests each made. See docs/benchmarks.md.
//
//   npm run build && node scripts/bench-impact.mjs                 # N = 10,000, 3 runs each
//   node scripts/bench-impact.mjs --n 1000 --runs 1 --json results.json
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(REPO, 'bin/tollgate.js');
const KEY = 'am_sk_test_bench';

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : process.argv[at + 1];
}
const n = Number(option('--n', '10000'));
const runs = Number(option('--runs', '3'));
const jsonOut = option('--json', undefined);

if (!existsSync(path.join(REPO, 'dist/emulate/autumn/emulator.js'))) {
  console.error('Build first: npm run build');
  process.exit(1);
}
const { startAutumnEmulator } = await import(path.join(REPO, 'dist/emulate/autumn/emulator.js'));

/** Usage of customer i and of its entity: spread so that a share of them sits above the cap the policies set. */
const usageOf = (i) => ({ customer: 2000 + (i % 7) * 700, entity: 900 + (i % 5) * 400 });

function writeFiles(dir) {
  mkdirSync(path.join(dir, 'policies/customers'), { recursive: true });
  writeFileSync(path.join(dir, 'policies/features.yaml'), 'kind: Feature\nid: api_calls\nname: API calls\ntype: metered\n');
  writeFileSync(
    path.join(dir, 'policies/plan.yaml'),
    'kind: Plan\nid: pro\ncurrency: USD\nfeatures:\n  api_calls: { included: 1000, reset: month, pricing: usage_based, price: { amount: 100, per: 1000 } }\n',
  );
  for (let batch = 0; batch * 500 < n; batch++) {
    const docs = [];
    for (let i = batch * 500; i < Math.min(n, (batch + 1) * 500); i++) {
      docs.push(`kind: Customer\nid: c${i}\nplan: pro\ncontrols:\n  api_calls: { maxOverageUnits: ${2000 + (i % 3000)} }\nentities:\n  w:\n    controls:\n      api_calls: { maxOverageUnits: ${500 + (i % 1000)} }`);
    }
    writeFileSync(path.join(dir, `policies/customers/batch-${batch}.yaml`), docs.join('\n---\n') + '\n');
  }
  const csv = ['customer,entity,feature,usage'];
  for (let i = 0; i < n; i++) csv.push(`c${i},,api_calls,${usageOf(i).customer}`, `c${i},w,api_calls,${usageOf(i).entity}`);
  writeFileSync(path.join(dir, 'usage.csv'), csv.join('\n') + '\n');
}

// CPU seconds of the child (user + system) say more than wall time on a shared machine: GNU time reports them.
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function run(args, cwd, env) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const command = TIME ? [TIME, ['-f', 'CPU %U %S', process.execPath, BIN, ...args]] : [process.execPath, [BIN, ...args]];
    const child = spawn(command[0], command[1], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const cpu = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
      resolve({ code, stdout, stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9, cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(path.join(os.tmpdir(), 'tollgate-bench-impact-'));
const emulator = await startAutumnEmulator({ rateLimit: 25, secretKey: KEY, maxLoggedRequests: 1_000_000 });
const results = [];
try {
  writeFiles(dir);
  emulator.seed({
    plans: [{ id: 'pro' }],
    customers: Array.from({ length: n }, (_, i) => ({ id: `c${i}`, plan_id: 'pro', usage: { api_calls: usageOf(i).customer } })),
    entities: Array.from({ length: n }, (_, i) => ({ customer_id: `c${i}`, id: 'w', feature_id: 'seats', usage: { api_calls: usageOf(i).entity } })),
  });
  const env = { ...process.env, AUTUMN_SECRET_KEY: KEY, NO_COLOR: '1' };
  delete env.AUTUMN_API_URL;
  for (const usage of ['none', 'live', 'usage.csv']) {
    const times = [];
    const cpus = [];
    let requests = 0;
    let summary = '';
    for (let r = 0; r < runs; r++) {
      emulator.clearRequests();
      const out = path.join(dir, `plan-${r}.json`);
      const result = await run(['plan', '--target', 'autumn', '--endpoint', emulator.url, '--usage', usage, '--format', 'text', '-o', out], dir, env);
      if (result.code !== 0) throw new Error(`plan --usage ${usage} exited ${result.code}: ${result.stderr.slice(-2000)}`);
      times.push(result.seconds);
      cpus.push(result.cpu);
      requests = emulator.requests().length;
      summary = result.stdout.trim().split('\n').at(-1);
    }
    const row = { usage, medianSeconds: Number(median(times).toFixed(2)), seconds: times.map((t) => Number(t.toFixed(2))), medianCpuSeconds: Number(median(cpus).toFixed(2)), cpuSeconds: cpus, requests, summary };
    results.push(row);
    console.error(`plan --usage ${usage}: ${row.medianSeconds} s wall, ${row.medianCpuSeconds} s CPU (medians of ${runs}), ${requests} requests — ${summary}`);
  }
} finally {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
}

const base = results[0];
const extra = (a, b) => `${a - b >= 0 ? '+' : ''}${(a - b).toFixed(2)} s`;
console.log(`| --usage | wall (median of ${runs}) | extra wall | CPU (median) | extra CPU | requests |`);
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(`| ${r.usage} | ${r.medianSeconds} s | ${r === base ? '—' : extra(r.medianSeconds, base.medianSeconds)} | ${r.medianCpuSeconds} s | ${r === base ? '—' : extra(r.medianCpuSeconds, base.medianCpuSeconds)} | ${r.requests} |`);
}
console.log(`\n${results.at(-1).summary}`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ n, runs, node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, results }, null, 2) + '\n');
