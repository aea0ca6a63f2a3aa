#!/usr/bin/env node
// State-backend benchmark: what recording each applied object costs, on the file backend and on
// PostgreSQL, at N objects recorded one after another (as a sequential apply would) and 8 at a time (as
// the executor's default concurrency would); plus taking and releasing the apply lock on PostgreSQL.
//
//   npm run build && node scripts/bench-backend.mjs                       # file backend only
//   node scripts/bench-backend.mjs --postgres postgres://u:pw@127.0.0.1:5432/db --n 1000,10000
// The PostgreSQL URL may also come from TOLLGATE_BENCH_POSTGRES. Each run uses a scope of its own.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { lockHolder, openBackend, selectBackend } = await import(path.join(REPO, 'dist/backend/index.js')).catch(() => {
  console.error('Build first: npm run build');
  process.exit(1);
});

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : process.argv[at + 1];
}
const sizes = option('--n', '1000,10000').split(',').map(Number);
const postgres = option('--postgres', process.env.TOLLGATE_BENCH_POSTGRES);

/** A customer as a fleet's plan writes it: three features, an overage limit. */
function record(i) {
  return {
    controls: {
      features: {
        api_calls: { overage: 'allow', maxOverageUnits: 1000 + i, usageAlerts: [{ threshold: 80, thresholdType: 'usage_percentage' }] },
        storage_gb: { overage: 'block' },
        seats: { overage: 'allow', maxOverageUnits: 5 },
      },
      overageLimit: { amount: 50000 + i, currency: 'usd' },
    },
    fingerprint: `sha256:${i.toString(16).padStart(64, '0')}`,
    planDigest: 'sha256:' + 'a'.repeat(64),
    policyDigest: 'sha256:' + 'b'.repeat(64),
    at: new Date().toISOString(),
    applyId: '20260101T000000000Z-abcdef',
  };
}

async function recordAll(backend, n, concurrency) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await backend.recordApplied(`customer:c${String(i).padStart(6, '0')}`, record(i));
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return Number(process.hrtime.bigint() - started) / 1e6;
}

let scopes = 0;
async function measure(label, setting, stateDir) {
  for (const n of sizes) {
    for (const concurrency of [1, 8]) {
      const scope = { target: 'autumn', endpoint: `http://bench/${process.pid}/${++scopes}` };
      const backend = await openBackend(selectBackend(setting), scope, { stateDir });
      const lock = await backend.acquireLock(lockHolder('bench'));
      if (!lock.ok) throw new Error(lock.message);
      const ms = await recordAll(backend, n, concurrency);
      await lock.lock.release();
      // the next apply: takes the lock (the file backend folds its journal), reads the managed set and records
      const t0 = process.hrtime.bigint();
      const again = await backend.acquireLock(lockHolder('bench'));
      const t1 = process.hrtime.bigint();
      const keys = await backend.managedKeys();
      const records = await backend.lastApplied(keys);
      const t2 = process.hrtime.bigint();
      if (!again.ok || records.size !== n) throw new Error(`expected ${n} records, found ${records.size}`);
      await backend.close();
      console.log(
        `${label.padEnd(10)} n=${String(n).padStart(6)} concurrency=${concurrency}  record: ${(ms / n).toFixed(3)} ms/object (${(ms / 1000).toFixed(2)} s total)` +
          `  next lock: ${(Number(t1 - t0) / 1e6).toFixed(1)} ms  read all back: ${(Number(t2 - t1) / 1e6).toFixed(1)} ms`,
      );
    }
  }
}

async function lockTimes(setting) {
  const scope = { target: 'autumn', endpoint: `http://bench/${process.pid}/lock` };
  const backend = await openBackend(selectBackend(setting), scope, {});
  const times = [];
  for (let i = 0; i < 30; i++) {
    const t0 = process.hrtime.bigint();
    const lock = await backend.acquireLock(lockHolder('bench'));
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (!lock.ok) throw new Error(lock.message);
    await lock.lock.release();
  }
  await backend.close();
  times.sort((a, b) => a - b);
  console.log(`postgres   lock acquisition (new session + pg_try_advisory_lock + holder row), 30 runs: median ${times[15].toFixed(1)} ms, max ${times[29].toFixed(1)} ms`);
}

console.log(`${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'tollgate-bench-state-'));
try {
  await measure('file', 'file', stateDir);
} finally {
  rmSync(stateDir, { recursive: true, force: true });
}
if (postgres) {
  await lockTimes(postgres);
  await measure('postgres', postgres, undefined);
} else {
  console.log('postgres   skipped: pass --postgres URL or set TOLLGATE_BENCH_POSTGRES');
}
