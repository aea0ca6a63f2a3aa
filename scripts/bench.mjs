#!/usr/bin/env node
// `npm run bench`: how tollgate scales with the size of a policy repository. See docs/benchmarks.md.
//
//   npm run bench                               # N = 10,000 and 100,000 customers (4 entities each)
//   npm run bench -- --sizes 1000,10000         # other sizes
//   npm run bench -- --quick                    # N = 1,000 only: a smoke test of the harness
//   npm run bench -- --profile                  # also a CPU profile of validate (at N = 10,000 if run)
//   npm run bench -- --big-customer-only        # only the single-big-customer shapes (below)
//   npm run bench -- --guardrails --sizes 100000 # only: validate without and with guardrails (--base DIR: also
//                                               # a checkout of another commit, built, as the "before" row)
//
// Then one customer of many seats: N entities inline under `entities:` and the same N as standalone
// `kind: Entity` documents (N = 10,000 and 40,000; --big-sizes to change), and a customer with 20,000
// unknown feature keys (--unknown-keys N); validate and plan each. --no-big-customer skips them.
//
// Then the cache (.tollgate/cache/): validate, compile and plan without it, with an empty one, and again
// with one customer file changed, at N = 10,000 (--cache-sizes to change; --no-cache skips it); and
// validate --watch, its first run and the median of ten one-file changes (scripts/bench/watch-latency.mjs).
//
// Then, with --lsp, the language server's latency on the fleet of N = 10,000 (--lsp-sizes to change): start-up,
// diagnostics after an edit, hover and completion (scripts/bench/lsp-latency.mjs). --lsp-only runs just that.
//
// Options: --timeout <seconds> per command (default 600), --replan-max <N> (largest N for the
// apply + no-change plan, default 10000), --no-keep-floor (skip the "parse, documents kept" row).
//
// Every command runs in a fresh child process under GNU `/usr/bin/time -v` (or, without it, with a
// preload that reports process.resourceUsage()), with Node's default heap: nothing raises
// --max-old-space-size. A command that fails (non-zero exit, out of memory, timeout) is recorded with
// the tail of its stderr. Results: the table on stdout, and bench/out/results.{md,json}.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatSummary, summarizeProfile } from './bench/cpuprofile-top.mjs';
import { generateBigCustomer } from './bench/generate-big-customer.mjs';
import { fleetStamp, generateFleet, readStamp } from './bench/generate-fleet.mjs';
import { lspTable, measureLsp } from './bench/lsp-latency.mjs';
import { measureWatch } from './bench/watch-latency.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const OUT = path.join(root, 'bench', 'out');
const TOLLGATE = path.join(root, 'bin', 'tollgate.js');
const FLOOR = path.join(root, 'scripts', 'bench', 'parse-floor.mjs');
const PRELOAD = path.join(root, 'scripts', 'bench', 'rusage-preload.mjs');

function parseArgs(argv) {
  const opts = { guardrails: false, base: undefined, repeats: 3, sizes: [10000, 100000], timeout: 600, replanMax: 10000, profile: false, keepFloor: true, quick: false, big: true, fleet: true, bigSizes: [10000, 40000], unknownKeys: 20000, cache: true, cacheSizes: [10000], lsp: false, lspSizes: [10000] };
  let sizesGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--sizes') {
      opts.sizes = value()
        .split(',')
        .map((s) => Number(s.trim().replace(/_/g, '')));
      sizesGiven = true;
    } else if (a === '--quick') opts.quick = true;
    else if (a === '--timeout') opts.timeout = Number(value());
    else if (a === '--replan-max') opts.replanMax = Number(value());
    else if (a === '--profile') opts.profile = true;
    else if (a === '--no-keep-floor') opts.keepFloor = false;
    else if (a === '--no-big-customer') opts.big = false;
    else if (a === '--guardrails') opts.guardrails = true;
    else if (a === '--base') opts.base = path.resolve(value());
    else if (a === '--repeats') opts.repeats = Number(value());
    else if (a === '--big-customer-only') opts.fleet = false;
    else if (a === '--no-cache') opts.cache = false;
    else if (a === '--cache-only') {
      opts.fleet = false;
      opts.big = false;
    } else if (a === '--lsp') opts.lsp = true;
    else if (a === '--lsp-only') {
      opts.lsp = true;
      opts.fleet = false;
      opts.big = false;
      opts.cache = false;
    } else if (a === '--lsp-sizes') opts.lspSizes = value().split(',').map((x) => Number(x.trim().replace(/_/g, '')));
    else if (a === '--cache-sizes') opts.cacheSizes = value().split(',').map((x) => Number(x.trim().replace(/_/g, '')));
    else if (a === '--big-sizes') opts.bigSizes = value().split(',').map((x) => Number(x.trim().replace(/_/g, '')));
    else if (a === '--unknown-keys') opts.unknownKeys = Number(value().replace(/_/g, ''));
    else if (a === '--help' || a === '-h') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 27).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (see --help)`);
  }
  if (opts.quick && !sizesGiven) {
    opts.sizes = [1000];
    opts.bigSizes = [1000];
    opts.unknownKeys = 1000;
    opts.cacheSizes = [1000];
    opts.lspSizes = [1000];
  }
  if (opts.sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 999999)) throw new Error('--sizes takes customer counts from 1 to 999999, e.g. --sizes 1000,10000');
  if (!(opts.timeout > 0)) throw new Error('--timeout must be a positive number of seconds');
  return opts;
}

// ---------------------------------------------------------------------------------------------------
// The machine.

function machine() {
  const cpu = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1]?.trim();
    } catch {
      return undefined;
    }
  })();
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout?.trim() || String(os.availableParallelism?.() ?? os.cpus().length);
  const heapLimit = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(require("v8").getHeapStatistics().heap_size_limit))'], { encoding: 'utf8', env: process.env }).stdout;
  return {
    cpu: cpu ?? os.cpus()[0]?.model ?? 'unknown',
    nproc,
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    heapLimitMiB: Math.round(Number(heapLimit) / 1048576),
    nodeOptions: process.env.NODE_OPTIONS ?? '',
    commit: commitOf(),
  };
}

/** The commit dist/ was most likely built from, flagged when src/ has changes not committed. */
function commitOf() {
  const git = (...args) => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout?.trim() ?? '';
  const head = git('rev-parse', '--short', 'HEAD') || 'unknown';
  return git('status', '--porcelain', '--', 'src') ? `${head} + uncommitted changes in src/` : head;
}

// ---------------------------------------------------------------------------------------------------
// Running one command.

/** GNU time with -v and -o, or undefined (BSD time, busybox, none). */
const GNU_TIME = (() => {
  if (!existsSync('/usr/bin/time')) return undefined;
  const probe = path.join(os.tmpdir(), `tollgate-bench-time-${process.pid}.txt`);
  const r = spawnSync('/usr/bin/time', ['-v', '-o', probe, 'true'], { encoding: 'utf8' });
  const ok = r.status === 0 && existsSync(probe) && /Maximum resident set size/.test(readFileSync(probe, 'utf8'));
  rmSync(probe, { force: true });
  return ok ? '/usr/bin/time' : undefined;
})();

function parseGnuTime(text) {
  const num = (re) => {
    const m = text.match(re);
    return m ? Number(m[1]) : undefined;
  };
  const user = num(/User time \(seconds\): ([\d.]+)/);
  const sys = num(/System time \(seconds\): ([\d.]+)/);
  return {
    maxRssKiB: num(/Maximum resident set size \(kbytes\): (\d+)/),
    cpuSeconds: user !== undefined && sys !== undefined ? user + sys : undefined,
    signal: num(/Command terminated by signal (\d+)/),
    exitStatus: num(/Exit status: (\d+)/),
  };
}

/**
 * Runs `node <args>` in a fresh process (its own process group, stdout to /dev/null), measuring wall
 * time, peak RSS and CPU time. Never throws: failures come back as { ok: false, error }. Without `env`,
 * the cache is off (TOLLGATE_CACHE=off): every row but the cache section's measures a cold run.
 */
function measure(label, nodeArgs, { timeoutSec, okCodes = [0], cwd = root, env: extraEnv = { TOLLGATE_CACHE: 'off' } }) {
  return new Promise((resolve) => {
    const statsFile = path.join(OUT, `.measure-${process.pid}.txt`);
    rmSync(statsFile, { force: true });
    const env = { ...process.env, ...extraEnv };
    let argv;
    if (GNU_TIME) argv = [GNU_TIME, '-v', '-o', statsFile, process.execPath, ...nodeArgs];
    else {
      env.TOLLGATE_BENCH_RUSAGE = statsFile;
      argv = [process.execPath, '--import', PRELOAD, ...nodeArgs];
    }
    const load = os.loadavg()[0];
    const started = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-64 * 1024);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL'); // the whole group: time and node
      } catch {
        // already gone
      }
    }, timeoutSec * 1000);
    const finish = (code, signal, spawnError) => {
      clearTimeout(timer);
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      let stats = {};
      try {
        const text = readFileSync(statsFile, 'utf8');
        if (GNU_TIME) stats = parseGnuTime(text);
        else {
          const u = JSON.parse(text);
          stats = { maxRssKiB: u.maxRSS, cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6 };
        }
      } catch {
        // killed before it could report
      }
      rmSync(statsFile, { force: true });
      const exitCode = GNU_TIME ? (stats.exitStatus ?? code) : code;
      const result = { label, command: `node ${nodeArgs.map((a) => (a.startsWith(root) ? path.relative(root, a) || '.' : a)).join(' ')}`, wall, load, maxRssMiB: stats.maxRssKiB !== undefined ? stats.maxRssKiB / 1024 : undefined, cpuSeconds: stats.cpuSeconds, exitCode };
      // Native stack frames of a V8 crash (" 1: 0xb78db3 node::OOMErrorHandler...") say nothing to a reader.
      const lines = stderr.trim().split('\n').filter((l) => !/^\s*\d+: 0x[0-9a-f]+ /.test(l));
      const tail = lines.slice(-12).join('\n');
      // The line that says why (V8's "FATAL ERROR: ... heap out of memory", a RangeError, tollgate's "error: ..."), else the last one.
      const why = lines.find((l) => /FATAL ERROR|out of memory|RangeError|^error:|Error:/.test(l))?.trim() ?? lines.at(-1)?.trim() ?? '';
      if (spawnError) result.error = `could not start: ${spawnError.message}`;
      else if (timedOut) result.error = `did not finish in ${formatDuration(timeoutSec)} (killed)`;
      else if (signal || stats.signal) result.error = `killed by signal ${signal ?? stats.signal}${why ? `: ${why}` : ''}`;
      else if (!okCodes.includes(exitCode)) result.error = `exit ${exitCode}${why ? `: ${why}` : ''}`;
      result.ok = !result.error;
      result.stderrTail = tail;
      resolve(result);
    };
    child.on('error', (e) => finish(null, null, e));
    child.on('close', (code, signal) => finish(code, signal));
  });
}

function formatDuration(sec) {
  return sec % 60 === 0 ? `${sec / 60} min` : `${sec} s`;
}

// ---------------------------------------------------------------------------------------------------
// One size.

function ensureFleet(n) {
  const dir = path.join(OUT, `fleet-${n}`);
  const want = fleetStamp(n);
  const have = readStamp(dir);
  if (have && JSON.stringify(have) === JSON.stringify(want)) {
    log(`fleet-${n}: reusing ${path.relative(root, dir)} (generator v${want.generatorVersion})`);
    return { dir, generated: false };
  }
  log(`fleet-${n}: generating ${n.toLocaleString('en-US')} customers into ${path.relative(root, dir)}${have ? ' (stamp changed)' : ''} ...`);
  const stats = generateFleet({ customers: n, out: dir, log });
  log(`fleet-${n}: ${stats.files} customer files, ${stats.entities} entities, ${(stats.bytes / 1048576).toFixed(1)} MiB, in ${stats.seconds.toFixed(1)} s`);
  return { dir, generated: true, stats };
}

function fleetSize(dir) {
  let files = 0;
  let bytes = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) {
        files++;
        bytes += statSync(p).size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

async function runSize(n, opts) {
  const { dir } = ensureFleet(n);
  const size = fleetSize(dir);
  const work = path.join(OUT, `run-${n}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const rel = (p) => path.relative(root, p);
  const steps = [
    ['parse floor', [FLOOR, rel(dir)]],
    ...(opts.keepFloor ? [['parse floor, documents kept', [FLOOR, rel(dir), '--keep']]] : []),
    ['validate --format json', [TOLLGATE, 'validate', '--dir', rel(dir), '--format', 'json']],
    ['compile -o effective.json', [TOLLGATE, 'compile', '--dir', rel(dir), '-o', rel(path.join(work, 'effective.json'))]],
    // --detailed-exitcode: 2 means "there are changes", which is what a plan against an empty state must say.
    ['plan --format json (empty state)', [TOLLGATE, 'plan', '--dir', rel(dir), '--state', rel(path.join(work, 'state.json')), '--format', 'json', '--detailed-exitcode'], [2]],
  ];
  if (n <= opts.replanMax) {
    steps.push(['apply --yes (into empty state)', [TOLLGATE, 'apply', '--dir', rel(dir), '--state', rel(path.join(work, 'state.json')), '--yes']]);
    steps.push(['plan --format json (no changes)', [TOLLGATE, 'plan', '--dir', rel(dir), '--state', rel(path.join(work, 'state.json')), '--format', 'json', '--detailed-exitcode'], [0]]);
  }
  const rows = [];
  let applied = true;
  for (const [label, args, okCodes] of steps) {
    if (label.includes('no changes') && !applied) {
      rows.push({ label, skipped: 'apply failed' });
      continue;
    }
    log(`N=${n}: ${label} ...`);
    const r = await measure(label, args, { timeoutSec: opts.timeout, okCodes });
    if (label.startsWith('apply') && !r.ok) applied = false;
    rows.push(r);
    log(`N=${n}: ${label}: ${r.ok ? `${r.wall.toFixed(2)} s, ${fmtMiB(r.maxRssMiB)} MiB` : `FAILED after ${r.wall.toFixed(1)} s: ${r.error.split('\n')[0]}`}`);
  }
  const floor = rows[0]?.ok ? rows[0].wall : undefined;
  for (const r of rows) if (r.ok && floor) r.ratio = r.wall / floor;
  const artifacts = {};
  for (const f of ['effective.json', 'state.json']) {
    const p = path.join(work, f);
    if (existsSync(p)) artifacts[f] = statSync(p).size;
  }
  rmSync(work, { recursive: true, force: true });
  return { n, entities: n * 4, files: size.files, bytes: size.bytes, rows, artifacts, dir };
}

async function profileValidate(result, opts) {
  const dir = path.join(OUT, `profile-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log(`N=${result.n}: CPU profile of validate ...`);
  const r = await measure('validate --cpu-prof', ['--cpu-prof', '--cpu-prof-dir', path.relative(root, dir), TOLLGATE, 'validate', '--dir', path.relative(root, result.dir), '--format', 'json'], { timeoutSec: opts.timeout });
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  let text;
  if (file) text = formatSummary(summarizeProfile(JSON.parse(readFileSync(path.join(dir, file), 'utf8'))), 20);
  rmSync(dir, { recursive: true, force: true }); // profiles are large; keep only the summary
  return text ? `CPU profile of \`tollgate validate\` at N=${result.n.toLocaleString('en-US')} (${r.wall.toFixed(2)} s wall under the profiler):\n\n${text}` : `CPU profile failed: ${r.error ?? 'no .cpuprofile written'}`;
}

// ---------------------------------------------------------------------------------------------------
// One big customer.

async function runBigCustomer(opts) {
  const cases = [...opts.bigSizes.flatMap((n) => [['inline', n], ['standalone', n]]), ...(opts.unknownKeys > 0 ? [['unknown-keys', opts.unknownKeys]] : [])];
  const rows = [];
  for (const [shape, n] of cases) {
    const dir = path.join(OUT, `big-${shape}-${n}`);
    const bytes = generateBigCustomer({ shape, n, out: dir });
    const rel = path.relative(root, dir);
    const state = path.join(OUT, `big-state-${process.pid}.json`);
    rmSync(state, { force: true });
    const row = { shape, n, bytes };
    log(`big customer, ${shape} ${n}: validate ...`);
    // unknown keys: exit 1 is the expected verdict
    row.validate = await measure('validate', [TOLLGATE, 'validate', '--dir', rel, '--format', 'json'], { timeoutSec: opts.timeout, okCodes: shape === 'unknown-keys' ? [1] : [0] });
    if (shape !== 'unknown-keys') {
      log(`big customer, ${shape} ${n}: plan ...`);
      row.plan = await measure('plan', [TOLLGATE, 'plan', '--dir', rel, '--state', path.relative(root, state), '--format', 'json', '--detailed-exitcode'], { timeoutSec: opts.timeout, okCodes: [2] });
    }
    rmSync(dir, { recursive: true, force: true });
    rows.push(row);
  }
  return rows;
}

function bigTable(rows) {
  const cell = (r) => (!r ? '–' : r.ok ? `${r.wall.toFixed(2)} s (CPU ${r.cpuSeconds !== undefined ? r.cpuSeconds.toFixed(2) : '?'} s, ${fmtMiB(r.maxRssMiB)} MiB, load ${r.load.toFixed(1)})` : r.error.split('\n')[0].replace(/\|/g, '\\|'));
  const lines = ['| shape | N | file MiB | validate | plan (empty state) |', '|---|---:|---:|---|---|'];
  for (const r of rows) lines.push(`| ${r.shape} | ${r.n.toLocaleString('en-US')} | ${(r.bytes / 1048576).toFixed(1)} | ${cell(r.validate)} | ${cell(r.plan)} |`);
  const find = (shape, n) => rows.find((r) => r.shape === shape && r.n === n);
  const ratios = [];
  const cpu = (r) => (r?.ok ? r.cpuSeconds : undefined);
  for (const n of new Set(rows.map((r) => r.n))) {
    const i = find('inline', n);
    const s = find('standalone', n);
    for (const step of ['validate', 'plan']) {
      const a = cpu(i?.[step]);
      const b = cpu(s?.[step]);
      if (a !== undefined && b !== undefined) ratios.push(`${step} at ${n.toLocaleString('en-US')}: inline / standalone = ${(a / b).toFixed(2)} (CPU)`);
    }
  }
  const sizes = [...new Set(rows.filter((r) => r.shape === 'inline').map((r) => r.n))].sort((x, y) => x - y);
  if (sizes.length >= 2) {
    const [lo, hi] = [sizes[0], sizes.at(-1)];
    for (const step of ['validate', 'plan']) {
      const a = cpu(find('inline', hi)?.[step]);
      const b = cpu(find('inline', lo)?.[step]);
      if (a !== undefined && b !== undefined) ratios.push(`${step} inline: ${hi.toLocaleString('en-US')} / ${lo.toLocaleString('en-US')} = ${(a / b).toFixed(2)} (CPU; ${(hi / lo).toFixed(0)}× the entities)`);
    }
  }
  return lines.join('\n') + (ratios.length ? `\n\n${ratios.map((x) => `- ${x}`).join('\n')}` : '');
}

function bigFailures(rows) {
  return rows
    .flatMap((r) => [r.validate, r.plan].filter((m) => m && !m.ok && m.stderrTail).map((m) => `${m.label} (${r.shape} ${r.n}), last lines of stderr:\n\n\`\`\`\n${m.stderrTail}\n\`\`\``))
    .join('\n\n');
}

// ---------------------------------------------------------------------------------------------------
// The cache.

/** Changes one customer's name in its file: a real edit (the effective policy changes), nothing else. */
function editOneCustomer(dir, round) {
  const file = path.join(dir, 'customers', '0000', readdirSync(path.join(dir, 'customers', '0000')).sort()[0]);
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^name: (.*?)( \(edit \d+\))?$/m, `name: $1 (edit ${round})`));
  return path.relative(dir, file);
}

async function runCache(n, opts) {
  const { dir: fleet } = ensureFleet(n);
  const work = path.join(OUT, `cache-${n}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const dir = path.join(work, 'policies');
  cpSync(fleet, dir, { recursive: true });
  const cacheDir = path.join(work, '.tollgate', 'cache');
  const state = path.join(work, 'state.json');
  // plan against an applied state: what a repeat plan after a one-file change looks like in CI
  await measure('apply (setup)', [TOLLGATE, 'apply', '--dir', dir, '--state', state, '--yes'], { timeoutSec: opts.timeout, cwd: work, env: { TOLLGATE_CACHE: 'off' } });
  const commands = [
    ['validate --format json', ['validate', '--dir', dir, '--format', 'json'], [0]],
    ['compile -o effective.json', ['compile', '--dir', dir, '-o', path.join(work, 'effective.json')], [0]],
    ['plan --format json', ['plan', '--dir', dir, '--state', state, '--format', 'json', '--detailed-exitcode'], [0, 2]],
  ];
  const rows = [];
  let round = 0;
  for (const [label, args, okCodes] of commands) {
    rmSync(cacheDir, { recursive: true, force: true });
    const run = async (what, env = {}) => {
      log(`cache N=${n}: ${label}, ${what} ...`);
      const r = await measure(`${label}, ${what}`, [TOLLGATE, ...args], { timeoutSec: opts.timeout, okCodes, cwd: work, env });
      log(`cache N=${n}: ${label}, ${what}: ${r.ok ? `${r.cpuSeconds?.toFixed(2)} CPU s, ${r.wall.toFixed(2)} s` : `FAILED: ${r.error.split('\n')[0]}`}`);
      return r;
    };
    const off = await run('no cache (TOLLGATE_CACHE=off)', { TOLLGATE_CACHE: 'off' });
    const cold = await run('cold (empty cache)');
    const edited = editOneCustomer(dir, ++round);
    const warm = await run(`warm, one file changed (${edited})`);
    rows.push({ label, off, cold, warm, cacheBytes: fleetCacheBytes(cacheDir) });
  }
  // validate --watch: its first run reads the cache validate left; then the median of ten one-file changes, each
  // the CPU its process spent from the change to the report (every thread) and the wall time to the report
  log(`cache N=${n}: validate --watch ...`);
  const load = () => os.loadavg()[0];
  const loadAtStart = load();
  const watched = await measureWatch(dir, { rounds: 10, cwd: work });
  const start = { ok: true, cpuSeconds: watched.start.cpu, wall: watched.start.wall, load: loadAtStart };
  const change = { ok: true, cpuSeconds: watched.cpu, wall: watched.wall, load: load() };
  log(`cache N=${n}: validate --watch: first run ${watched.start.cpu.toFixed(2)} CPU s; one file changed ${watched.cpu.toFixed(2)} CPU s, ${watched.wall.toFixed(3)} s to the report`);
  rows.push({ label: 'validate --watch (first run; then each change)', off: rows[0].off, cold: start, warm: change });
  rmSync(work, { recursive: true, force: true });
  return { n, rows };
}

function fleetCacheBytes(dir) {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + statSync(path.join(e.parentPath, e.name)).size, 0);
}

function cacheTable(result) {
  const cpu = (r) => (r.ok && r.cpuSeconds !== undefined ? r.cpuSeconds : undefined);
  const cell = (r) => (r.ok ? `${cpu(r)?.toFixed(2) ?? '?'} (${r.wall.toFixed(2)} s wall, load ${r.load.toFixed(1)})` : r.error.split('\n')[0].replace(/\|/g, '\\|'));
  const lines = ['| command | no cache: CPU s | cold (empty cache): CPU s | warm, one file changed: CPU s | warm / no cache | cache MiB |', '|---|---|---|---|---:|---:|'];
  for (const r of result.rows) {
    const ratio = cpu(r.warm) !== undefined && cpu(r.off) ? `${((cpu(r.warm) / cpu(r.off)) * 100).toFixed(1)}%` : '–';
    lines.push(`| ${r.label} | ${cell(r.off)} | ${cell(r.cold)} | ${cell(r.warm)} | ${ratio} | ${r.cacheBytes === undefined ? '–' : (r.cacheBytes / 1048576).toFixed(1)} |`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------
// The language server.

function lspNote(l) {
  return `${l.file} open and edited; ${l.rounds} rounds; load average ${l.load.map((x) => x.toFixed(1)).join(' → ')}.`;
}

// ---------------------------------------------------------------------------------------------------
// Output.

function fmtMiB(x) {
  return x === undefined ? '?' : x.toFixed(0);
}

function table(result) {
  const head = ['command', 'wall s', '× floor', 'peak RSS MiB', 'CPU s', 'load', 'result'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((h) => (h === 'command' || h === 'result' ? '---' : '---:')).join('|')}|`];
  for (const r of result.rows) {
    if (r.skipped) {
      lines.push(`| ${r.label} | | | | | | skipped: ${r.skipped} |`);
      continue;
    }
    const status = r.ok ? 'ok' : r.error.split('\n')[0].replace(/\|/g, '\\|');
    lines.push(`| ${r.label} | ${r.wall.toFixed(2)} | ${r.ratio !== undefined ? r.ratio.toFixed(1) : '–'} | ${fmtMiB(r.maxRssMiB)} | ${r.cpuSeconds !== undefined ? r.cpuSeconds.toFixed(2) : '?'} | ${r.load.toFixed(1)} | ${status} |`);
  }
  return lines.join('\n');
}

function failures(result) {
  return result.rows
    .filter((r) => !r.skipped && !r.ok && r.stderrTail)
    .map((r) => `${r.label} (N=${result.n.toLocaleString('en-US')}), last lines of stderr:\n\n\`\`\`\n${r.stderrTail}\n\`\`\``)
    .join('\n\n');
}

function markdown(results, m, profile, big, caches = [], lsps = []) {
  const out = [
    '## tollgate benchmark',
    '',
    `Machine: ${m.cpu}, ${m.nproc} CPUs (nproc), ${m.memory} RAM; Node ${m.node} (default heap limit ${m.heapLimitMiB} MiB${m.nodeOptions ? `, NODE_OPTIONS=${m.nodeOptions}` : ''}); ${m.os}.`,
    `tollgate at ${m.commit}. Measured with ${GNU_TIME ? 'GNU /usr/bin/time -v' : 'process.resourceUsage() in a preload'}; one run per command, each in a fresh process. "load" is the 1-minute load average when the command started (above ${m.nproc}, other work was competing for the CPUs and wall time is inflated; CPU s is less affected).`,
  ];
  for (const r of results) {
    out.push('', `### N = ${r.n.toLocaleString('en-US')} customers, ${r.entities.toLocaleString('en-US')} entities (${r.files.toLocaleString('en-US')} files, ${(r.bytes / 1048576).toFixed(1)} MiB of YAML)`, '', table(r));
    const sizes = Object.entries(r.artifacts).map(([f, b]) => `${f} ${(b / 1048576).toFixed(1)} MiB`);
    if (sizes.length) out.push('', `Artifacts: ${sizes.join(', ')}.`);
    const f = failures(r);
    if (f) out.push('', f);
  }
  if (big) {
    out.push('', '### One big customer', '', bigTable(big));
    const f = bigFailures(big);
    if (f) out.push('', f);
  }
  for (const c of caches) out.push('', `### The cache at N = ${c.n.toLocaleString('en-US')}`, '', cacheTable(c));
  for (const l of lsps) out.push('', `### The language server at N = ${l.n.toLocaleString('en-US')}`, '', lspNote(l), '', lspTable(l));
  if (profile) out.push('', '### Profile', '', '```', profile, '```');
  return out.join('\n') + '\n';
}

function log(message) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(root, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first (the benchmark runs the built CLI).');
  mkdirSync(OUT, { recursive: true });
  const m = machine();
  log(`${m.cpu}, ${m.nproc} CPUs, ${m.memory}, Node ${m.node}, heap limit ${m.heapLimitMiB} MiB; sizes ${opts.sizes.join(', ')}; timeout ${formatDuration(opts.timeout)} per command`);
  if (m.nodeOptions) log(`note: NODE_OPTIONS="${m.nodeOptions}" is passed on to every measured command`);
  if (opts.guardrails) return runGuardrails(opts, m);
  const results = [];
  let profile;
  for (const n of opts.fleet ? opts.sizes : []) {
    const result = await runSize(n, opts);
    results.push(result);
    process.stdout.write(`\nN = ${n.toLocaleString('en-US')}\n${table(result)}\n`);
    if (opts.profile && !profile && (n === 10000 || !opts.sizes.includes(10000))) profile = await profileValidate(result, opts);
  }
  let big;
  if (opts.big) {
    big = await runBigCustomer(opts);
    process.stdout.write(`\nOne big customer\n${bigTable(big)}\n`);
  }
  const caches = [];
  for (const n of opts.cache ? opts.cacheSizes : []) {
    const c = await runCache(n, opts);
    caches.push(c);
    process.stdout.write(`\nThe cache at N = ${n.toLocaleString('en-US')}\n${cacheTable(c)}\n`);
  }
  const lsps = [];
  for (const n of opts.lsp ? opts.lspSizes : []) {
    const { dir } = ensureFleet(n);
    log(`lsp N=${n}: measuring ...`);
    const l = { n, ...(await measureLsp({ dir, work: path.join(OUT, `lsp-${n}`), log })) };
    lsps.push(l);
    process.stdout.write(`\nThe language server at N = ${n.toLocaleString('en-US')}\n${lspNote(l)}\n${lspTable(l)}\n`);
  }
  const md = markdown(results, m, profile, big, caches, lsps);
  writeFileSync(path.join(OUT, 'results.md'), md);
  writeFileSync(path.join(OUT, 'results.json'), JSON.stringify({ machine: m, date: new Date().toISOString(), results: results.map(({ dir, ...r }) => r), profile, bigCustomer: big, cache: caches, lsp: lsps }, null, 2) + '\n');
  process.stdout.write(`\n${md}`);
  log(`wrote ${path.relative(root, path.join(OUT, 'results.md'))} and results.json`);
}

// ---------------------------------------------------------------------------------------------------
// Guardrails: what evaluating them adds to validate (SPEC §12: under 10% at 100,000 customers).

/**
 * Guardrails that apply to every customer and check every field on every feature of customers and entities, with
 * bounds every fleet customer meets (so the run measures evaluation, not printing failures); one applies by profile.
 */
const BENCH_GUARDRAILS = `kind: Guardrail
id: bench-exposure
level: soft
message: Exposure is checked for every customer.
require:
  maxOverageExposure: { min: 0, currency: USD }
  features:
    "*": { maxOverageUnits: { min: 0 }, hardLimit: { min: 0 }, maxOverageCharge: { min: 0, currency: USD }, usageLimits: { forbidden: true } }
---
kind: Guardrail
id: bench-eur
level: hard
message: EUR charges are checked too.
require:
  features:
    "*": { maxOverageCharge: { min: 0, currency: EUR } }
---
kind: Guardrail
id: bench-enterprise
level: advisory
message: Enterprise customers are checked by profile.
applies: { profiles: [enterprise] }
require:
  features:
    storage_gb: { hardLimit: { min: 0 } }
    api_calls: { overage: allow }
changes:
  exposureIncrease: { max: 100000000, currency: USD }
`;

async function runGuardrails(opts, m) {
  const rows = [];
  for (const n of opts.sizes) {
    const { dir } = ensureFleet(n);
    const rel = path.relative(root, dir);
    const extra = path.join(dir, 'bench-guardrails.yaml');
    rmSync(extra, { force: true });
    const variants = [
      ...(opts.base ? [{ name: `before (${path.basename(opts.base)})`, bin: path.join(opts.base, 'bin', 'tollgate.js'), guardrails: false }] : []),
      { name: 'this build, no guardrails', bin: TOLLGATE, guardrails: false },
      { name: 'this build, 3 guardrails', bin: TOLLGATE, guardrails: true },
    ];
    const samples = new Map(variants.map((v) => [v.name, []]));
    // Interleaved, so a busy moment of the machine falls on every variant alike; the least CPU of each is kept.
    for (let i = 0; i < opts.repeats; i++) {
      for (const v of variants) {
        if (v.guardrails) writeFileSync(extra, BENCH_GUARDRAILS);
        else rmSync(extra, { force: true });
        log(`guardrails N=${n}: ${v.name}, run ${i + 1} of ${opts.repeats} ...`);
        const r = await measure(v.name, [v.bin, 'validate', '--dir', rel, '--format', 'json'], { timeoutSec: opts.timeout, okCodes: [0], cwd: root });
        if (!r.ok) throw new Error(`${v.name}: ${r.error}`);
        samples.get(v.name).push(r);
      }
    }
    rmSync(extra, { force: true });
    for (const v of variants) {
      const runs = samples.get(v.name);
      const best = runs.reduce((a, b) => (b.cpuSeconds < a.cpuSeconds ? b : a));
      rows.push({ n, variant: v.name, cpu: best.cpuSeconds, wall: best.wall, rss: best.maxRssMiB, cpus: runs.map((r) => r.cpuSeconds) });
    }
  }
  const lines = [`Machine: ${m.cpu}, ${m.nproc} CPUs, ${m.memory}, Node ${m.node}.`, '', '| N | validate | CPU s (least of runs) | all runs | wall s | peak RSS MiB | vs no guardrails |', '|---:|---|---:|---|---:|---:|---:|'];
  for (const r of rows) {
    const ref = rows.find((x) => x.n === r.n && x.variant === 'this build, no guardrails');
    const delta = ref && r !== ref ? `${(((r.cpu - ref.cpu) / ref.cpu) * 100).toFixed(1)}%` : '';
    lines.push(`| ${r.n.toLocaleString('en-US')} | ${r.variant} | ${r.cpu.toFixed(2)} | ${r.cpus.map((c) => c.toFixed(2)).join(', ')} | ${r.wall.toFixed(2)} | ${r.rss?.toFixed(0) ?? '?'} | ${delta} |`);
  }
  const md = lines.join('\n') + '\n';
  writeFileSync(path.join(OUT, 'guardrails.md'), md);
  process.stdout.write(`\n${md}`);
  log(`wrote ${path.relative(root, path.join(OUT, 'guardrails.md'))}`);
}

main().catch((error) => {
  console.error(`bench: ${error.message}`);
  process.exitCode = 1;
});
