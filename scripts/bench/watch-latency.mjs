// How long `tollgate validate --watch` takes to report after one customer file changes, and the CPU its process
// spends on it (from /proc/<pid>/stat, so every thread counts): `node scripts/bench/watch-latency.mjs DIR [ROUNDS]`.
// DIR is changed (one customer's name, a round at a time) and left as it was. Used by scripts/bench.mjs.
// TOLLGATE_BENCH_BIN=path/to/bin/tollgate.js measures another build (a worktree of an earlier commit).
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuOf, stats } from './lsp-latency.mjs';

const TOLLGATE = process.env.TOLLGATE_BENCH_BIN ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tollgate.js');

/** CPU seconds the process has used (user + system, all threads). */
const cpuSecondsOf = (pid) => cpuOf(pid) / 1000;

/** Resident memory of the process, MiB. */
function rssOf(pid) {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
}

export async function measureWatch(dir, { rounds = 10, cwd = process.cwd(), env = {} } = {}) {
  const child = spawn(process.execPath, [TOLLGATE, 'validate', '--watch', '--dir', dir, '--format', 'json'], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let buffered = '';
  let waiting;
  child.stdout.setEncoding('utf8').on('data', (d) => {
    buffered += d;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      waiting?.(line);
    }
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const nextReport = () => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no report within 120 s; stderr: ${stderr}`)), 120_000);
    waiting = (line) => { clearTimeout(timer); waiting = undefined; resolve(JSON.parse(line)); };
  });
  const quiet = async () => {
    // the process is idle once its CPU stops moving (what it does after a report, e.g. indexing a whole run, is over)
    let before = cpuSecondsOf(child.pid);
    for (;;) {
      await new Promise((r) => setTimeout(r, 300));
      const now = cpuSecondsOf(child.pid);
      if (now === before) return now;
      before = now;
    }
  };
  const t0 = performance.now();
  const first = await nextReport();
  const startWall = (performance.now() - t0) / 1000;
  const startCpu = cpuSecondsOf(child.pid);
  await quiet();
  const rssBefore = rssOf(child.pid);
  let rssAfter;
  const file = path.join(dir, 'customers', '0000', readdirSync(path.join(dir, 'customers', '0000')).sort()[0]);
  const original = readFileSync(file, 'utf8');
  const samples = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      const cpu0 = await quiet();
      const report = nextReport();
      const w0 = performance.now();
      writeFileSync(file, original.replace(/^name: (.*)$/m, `name: $1 (watch ${round})`));
      await report;
      const wall = (performance.now() - w0) / 1000;
      const cpu = (await quiet()) - cpu0;
      samples.push({ wall, cpu });
    }
    rssAfter = rssOf(child.pid);
  } finally {
    writeFileSync(file, original);
    child.kill('SIGINT');
    await new Promise((r) => child.on('close', r));
  }
  const median = (xs) => stats(xs).median;
  return { start: { wall: startWall, cpu: startCpu, diagnostics: first.diagnostics.length }, rss: { before: rssBefore, after: rssAfter }, rounds: samples, wall: median(samples.map((s) => s.wall)), cpu: median(samples.map((s) => s.cpu)) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir, rounds] = process.argv.slice(2);
  console.log(JSON.stringify(await measureWatch(path.resolve(dir), { rounds: Number(rounds ?? 10) }), null, 1));
}
