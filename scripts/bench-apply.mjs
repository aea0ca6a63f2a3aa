#!/usr/bin/env node
// Apply benchmark: `tollgate apply --yes --target autumn` (the real CLI, a child process) pushes N
// changed customers to the Autumn emulator, which enforces Autumn's 25 requests/s. The floor is N / 25
// seconds (one write per object); the ratio wall / floor should stay at or under 1.1. Repeated with
// injected faults (500s, 429s with Retry-After, slow answers, dropped connections).
//
//   npm run build && npm run bench:apply                # N = 1,000 and 10,000, without and with 5% faults
//   node scripts/bench-apply.mjs --n 1000 --faults 0,0.05 --json results.json
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(REPO, 'bin/tollgate.js');
const RATE = 25;
const KEY = 'am_sk_test_bench';

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : process.argv[at + 1];
}
const sizes = option('--n', '1000,10000').split(',').map(Number);
const faultRates = option('--faults', '0,0.05').split(',').map(Number);
const jsonOut = option('--json', undefined);

if (!existsSync(path.join(REPO, 'dist/emulate/autumn/emulator.js'))) {
  console.error('Build first: npm run build');
  process.exit(1);
}
const { startAutumnEmulator } = await import(path.join(REPO, 'dist/emulate/autumn/emulator.js'));

/** N customers on plan pro, each with one control tollgate has to push; 500 documents per file. */
function writePolicies(dir, n) {
  mkdirSync(path.join(dir, 'policies/customers'), { recursive: true });
  writeFileSync(path.join(dir, 'policies/features.yaml'), 'kind: Feature\nid: api_calls\nname: API calls\ntype: metered\n');
  writeFileSync(
    path.join(dir, 'policies/plan.yaml'),
    'kind: Plan\nid: pro\ncurrency: USD\nfeatures:\n  api_calls: { included: 1000, reset: month, pricing: usage_based, price: { amount: 100, per: 1000 } }\n',
  );
  for (let batch = 0; batch * 500 < n; batch++) {
    const docs = [];
    for (let i = batch * 500; i < Math.min(n, (batch + 1) * 500); i++) {
      docs.push(`kind: Customer\nid: c${i}\nplan: pro\ncontrols:\n  api_calls: { maxOverageUnits: ${1000 + i} }`);
    }
    writeFileSync(path.join(dir, `policies/customers/batch-${batch}.yaml`), docs.join('\n---\n') + '\n');
  }
}

function run(args, cwd, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      process.stderr.write(`    ${String(d).trimEnd().split('\n').join('\n    ')}\n`);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function bench(n, faultRate) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tollgate-bench-apply-'));
  const emulator = await startAutumnEmulator({ rateLimit: RATE, faultRate, faultSeed: 1, secretKey: KEY, maxLoggedRequests: n * 3 + 1000 });
  try {
    writePolicies(dir, n);
    // Autumn's catalog agrees with the policies, so plan prints no catalog warnings.
    const apiCalls = { feature_id: 'api_calls', included: 1000, unlimited: false, reset: { interval: 'month' }, price: { amount: 1, interval: 'month', billing_units: 1000, billing_method: 'usage_based', max_purchase: null } };
    emulator.seed({
      features: [{ id: 'api_calls', name: 'API calls', type: 'metered' }],
      plans: [{ id: 'pro', items: [apiCalls] }],
      customers: Array.from({ length: n }, (_, i) => ({ id: `c${i}`, plan_id: 'pro' })),
    });
    const env = { ...process.env, NO_COLOR: '1', AUTUMN_SECRET_KEY: KEY };
    delete env.AUTUMN_API_URL;
    console.error(`N=${n}, faults ${faultRate * 100}%:`);
    const started = performance.now();
    const result = await run(['apply', '--yes', '--target', 'autumn', '--endpoint', emulator.url], dir, env);
    const wall = (performance.now() - started) / 1000;
    // The executor's own clock, from the last progress line: the apply phase without start-up and planning.
    const lines = result.stderr.match(/apply: \d+\/\d+ objects[^\n]*\((\d+(?:\.\d+)?)s\)/g) ?? [];
    const applySeconds = lines.length > 0 ? Number(/\((\d+(?:\.\d+)?)s\)$/.exec(lines.at(-1))[1]) : null;
    const log = emulator.requests();
    const state = emulator.state();
    const wrong = state.customers.filter((c) => c.billing_controls.spend_limits?.[0]?.overage_limit !== 1000 + Number(c.id.slice(1))).length;
    const floor = n / RATE;
    return {
      n,
      faultRate,
      exit: result.code,
      wallSeconds: Number(wall.toFixed(1)),
      applySeconds,
      floorSeconds: floor,
      ratio: Number((wall / floor).toFixed(3)),
      applyRatio: applySeconds === null ? null : Number((applySeconds / floor).toFixed(3)),
      requests: log.length,
      rateLimited429: log.filter((r) => r.status === 429 && r.fault === null).length,
      injected429: log.filter((r) => r.fault === 'rate_limited').length,
      injectedFaults: log.filter((r) => r.fault !== null).length,
      customersWrong: wrong,
    };
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const n of sizes) for (const f of faultRates) results.push(await bench(n, f));

console.log('| N | faults | wall (s) | floor N/25 (s) | wall / floor | apply phase (s) | apply / floor | requests | 429 (rate limit) | 429 (injected) | faults injected | exit | wrong after |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(
    `| ${r.n} | ${r.faultRate * 100}% | ${r.wallSeconds} | ${r.floorSeconds} | ${r.ratio} | ${r.applySeconds ?? '–'} | ${r.applyRatio ?? '–'} | ${r.requests} | ${r.rateLimited429} | ${r.injected429} | ${r.injectedFaults} | ${r.exit} | ${r.customersWrong} |`,
  );
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ node: process.version, cpus: os.cpus().length, results }, null, 2) + '\n');
