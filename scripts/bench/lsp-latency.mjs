#!/usr/bin/env node
// How fast `tollgate lsp` answers an editor on a large policy repository. See docs/benchmarks.md.
//
//   node scripts/bench/lsp-latency.mjs --dir bench/out/fleet-10000 [--rounds 10] [--json out.json]
//   node scripts/bench/lsp-latency.mjs --customers 10000    # the fleet of generate-fleet.mjs (made if missing)
//
// Runs `node bin/tollgate.js lsp --dir <fleet>` (the built CLI: `npm run build` first) and speaks JSON-RPC to
// it over stdio as an editor does (it says it supports dynamic registration of watched files, as VS Code
// does). Measured, in wall time seen by the client:
//   - start-up: spawning the process to the first diagnostics published for a file opened at once;
//   - per round (--rounds, default 10), on one open customer file:
//     an edit that names an unknown plan → the publishDiagnostics for that file with `unknown-plan`;
//     the edit that restores the file and a hover on the customer id sent with it → the hover answer, and
//     → the file's (empty) diagnostics;
//     the same hover when nothing is pending;
//     typing `plan: ` (an edit) and asking for completion right away → the completion answer, and → the
//     file's diagnostics (every customer is checked afresh while a customer document fails the schema);
//     the same completion again when nothing is pending.
// Median and max per measure. The process runs in an empty working directory, so no .tollgate/cache from
// disk is read (the server keeps what it computes in memory). Then start-up once more, with the cache that
// `tollgate validate` leaves in that directory (the server reads it, never writes it).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TOLLGATE = path.join(root, 'bin', 'tollgate.js');

/** The real server over stdio, with Content-Length framing (as test/helpers/lsp-client.ts, in plain JS). */
class Client {
  constructor(dir, cwd, env, nodeArgs) {
    this.child = spawn(process.execPath, [...nodeArgs, TOLLGATE, 'lsp', '--dir', dir], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
    this.buffer = Buffer.alloc(0);
    this.nextId = 1;
    this.pending = new Map();
    this.waiters = [];
    this.stderr = '';
    this.child.stdout.on('data', (chunk) => this.receive(chunk));
    this.child.stderr.setEncoding('utf8').on('data', (d) => (this.stderr += d));
    // a server that dies fails what waits on it, instead of leaving the benchmark hanging
    this.child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    this.died = this.exited.then((code) => {
      throw new Error(`tollgate lsp exited (${code})`);
    });
    this.died.catch(() => {});
  }

  receive(chunk) {
    const now = performance.now();
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString('ascii'))?.[1]);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8'));
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      this.dispatch(message, now);
    }
  }

  dispatch(message, at) {
    if (message.id !== undefined && message.method === undefined) {
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) waiting?.reject(new Error(message.error.message));
      else waiting?.resolve({ result: message.result, at });
      return;
    }
    // a request from the server (client/registerCapability): granted, as an editor does
    if (message.id !== undefined) return this.send({ id: message.id, result: null });
    for (const w of [...this.waiters]) {
      if (message.method === w.method && w.match(message.params)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve({ params: message.params, at });
      }
    }
  }

  send(message) {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }), 'utf8');
    this.child.stdin.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]));
  }

  /** Sends a request; resolves with its result and the instant the answer arrived. */
  request(method, params) {
    const id = this.nextId++;
    const answered = new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ id, method, params });
    });
    return method === 'shutdown' ? answered : Promise.race([answered, this.died]);
  }

  notify(method, params) {
    this.send({ method, params });
  }

  /** The next notification of `method` that `match` accepts, with the instant it arrived. Register before sending what causes it. */
  next(method, match) {
    return Promise.race([new Promise((resolve) => this.waiters.push({ method, match, resolve })), this.died]);
  }

  async close() {
    await this.request('shutdown', null);
    this.notify('exit', null);
    this.child.stdin.end();
    return this.exited;
  }
}

/** A customer file of the fleet to edit: the first of the middle bucket. */
function pickFile(dir) {
  const buckets = readdirSync(path.join(dir, 'customers')).sort();
  const bucket = path.join(dir, 'customers', buckets[Math.floor(buckets.length / 2)]);
  return path.join(bucket, readdirSync(bucket).sort()[0]);
}

/** 0-based position of the end of the first `needle` in `text`. */
function after(text, needle) {
  const offset = text.indexOf(needle);
  if (offset < 0) throw new Error(`"${needle}" not in the text`);
  const lines = text.slice(0, offset + needle.length).split('\n');
  return { line: lines.length - 1, character: lines[lines.length - 1].length };
}

/** CPU milliseconds (user + system) a process has used so far, from /proc; NaN where there is none. */
export function cpuOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    // utime and stime, fields 14 and 15 of the line (11 and 12 after the command name), in clock ticks of 10 ms
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** The median and maximum of samples (the median of an even count: the mean of the middle two). */
export function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, max: sorted[sorted.length - 1], samples };
}

/** Starts the server as an editor does, opening `uri`; the milliseconds from spawning to that file's first diagnostics. */
async function start(dir, work, env, nodeArgs, uri, text) {
  const started = performance.now();
  const client = new Client(dir, work, env, nodeArgs);
  try {
    await client.request('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(work).href,
      capabilities: { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } }, textDocument: { publishDiagnostics: {} } },
    });
    const first = client.next('textDocument/publishDiagnostics', (p) => p.uri === uri);
    client.notify('initialized', {});
    client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
    const startup = (await first).at - started;
    return { client, startup, startupCpu: cpuOf(client.child.pid) };
  } catch (error) {
    client.child.kill();
    throw new Error(`${error.message}${client.stderr ? `\nstderr:\n${client.stderr.slice(-2000)}` : ''}`);
  }
}

/**
 * Measures start-up, diagnostics after an edit, hover and completion of `tollgate lsp --dir <dir>`;
 * milliseconds, median and max over `rounds`. `nodeArgs` go to the server's node (e.g. --cpu-prof).
 */
export async function measureLsp({ dir, rounds = 10, work = path.join(root, 'bench', 'out', 'lsp-work'), env = {}, nodeArgs = [], log = () => {} }) {
  dir = path.resolve(dir);
  mkdirSync(work, { recursive: true });
  const file = pickFile(dir);
  const uri = pathToFileURL(file).href;
  const original = readFileSync(file, 'utf8');
  const id = /^id: (\S+)$/m.exec(original)[1];
  const planLine = /^plan: .*$/m.exec(original)[0];
  const load = [os.loadavg()[0]];

  const cache = path.join(work, '.tollgate');
  rmSync(cache, { recursive: true, force: true });
  const { client, startup, startupCpu } = await start(dir, work, env, nodeArgs, uri, original);
  log(`lsp: first diagnostics after ${(startup / 1000).toFixed(2)} s (${path.relative(dir, file)})`);
  const forFile = (test) => client.next('textDocument/publishDiagnostics', (p) => p.uri === uri && test(p.diagnostics));
  try {

    const m = { edit: [], revert: [], hover: [], hoverAfterEdit: [], completionAfterEdit: [], completion: [], typed: [], editCpu: [], revertCpu: [] };
    const cpu = () => cpuOf(client.child.pid);
    const hoverAt = after(original, `id: ${id}`);
    let version = 1;
    const change = (text) => client.notify('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [{ text }] });
    for (let round = 1; round <= rounds; round++) {
      const broken = forFile((d) => d.some((x) => x.code === 'unknown-plan' && x.message.includes(`"nope-${round}"`)));
      let c = cpu();
      let t = performance.now();
      change(original.replace(planLine, `plan: nope-${round}`));
      m.edit.push((await broken).at - t);
      m.editCpu.push(cpu() - c);

      const clean = forFile((d) => d.length === 0);
      c = cpu();
      t = performance.now();
      change(original);
      const hoverNow = await client.request('textDocument/hover', { textDocument: { uri }, position: hoverAt });
      m.hoverAfterEdit.push(hoverNow.at - t);
      m.revert.push((await clean).at - t);
      m.revertCpu.push(cpu() - c);

      t = performance.now();
      const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: hoverAt });
      for (const h of [hoverNow, hover]) if (!h.result?.contents?.value?.includes(id)) throw new Error(`hover on ${id} did not show it: ${JSON.stringify(h.result)}`);
      m.hover.push(hover.at - t);

      const typed = original.replace(planLine, 'plan: ');
      const settled = forFile(() => true);
      t = performance.now();
      change(typed);
      const completion = await client.request('textDocument/completion', { textDocument: { uri }, position: after(typed, 'plan: ') });
      m.completionAfterEdit.push(completion.at - t);
      m.typed.push((await settled).at - t);
      t = performance.now();
      const again = await client.request('textDocument/completion', { textDocument: { uri }, position: after(typed, 'plan: ') });
      m.completion.push(again.at - t);
      for (const c of [completion, again]) {
        const labels = (Array.isArray(c.result) ? c.result : (c.result?.items ?? [])).map((i) => i.label);
        if (!labels.includes('pro')) throw new Error(`completion after "plan: " lacks pro: ${labels.join(', ')}`);
      }
      log(`lsp: round ${round}/${rounds}: edit → diagnostics ${m.edit.at(-1).toFixed(0)} ms, hover ${m.hover.at(-1).toFixed(0)} ms, completion while typing ${m.completionAfterEdit.at(-1).toFixed(0)} ms`);
    }
    const code = await client.close();
    if (code !== 0) throw new Error(`tollgate lsp exited with ${code}: ${client.stderr}`);

    const validate = spawnSync(process.execPath, [TOLLGATE, 'validate', '--dir', dir], { cwd: work, env: { ...process.env, ...env }, encoding: 'utf8' });
    if (validate.status !== 0) throw new Error(`tollgate validate (to fill the cache) exited with ${validate.status}: ${validate.stderr.slice(-2000)}`);
    const cached = await start(dir, work, env, nodeArgs, uri, original);
    await cached.client.close();
    rmSync(cache, { recursive: true, force: true });
    log(`lsp: with the cache of validate, first diagnostics after ${(cached.startup / 1000).toFixed(2)} s`);
    load.push(os.loadavg()[0]);
    return {
      dir,
      file: path.relative(dir, file),
      rounds,
      load,
      startupMs: startup,
      startupCpuMs: startupCpu,
      startupCachedMs: cached.startup,
      editToDiagnosticsMs: stats(m.edit),
      revertToDiagnosticsMs: stats(m.revert),
      editCpuMs: m.editCpu.some(Number.isNaN) ? undefined : stats(m.editCpu),
      revertCpuMs: m.revertCpu.some(Number.isNaN) ? undefined : stats(m.revertCpu),
      typedToDiagnosticsMs: stats(m.typed),
      hoverMs: stats(m.hover),
      hoverAfterEditMs: stats(m.hoverAfterEdit),
      completionAfterEditMs: stats(m.completionAfterEdit),
      completionMs: stats(m.completion),
    };
  } catch (error) {
    client.child.kill();
    rmSync(cache, { recursive: true, force: true });
    throw new Error(`${error.message}${client.stderr ? `\nstderr:\n${client.stderr.slice(-2000)}` : ''}`);
  }
}

/** The figures as a markdown table. */
export function lspTable(r) {
  const ms = (x) => `${Math.round(x).toLocaleString('en-US')} ms`;
  const row = (label, s) => `| ${label} | ${ms(s.median)} | ${ms(s.max)} |`;
  return [
    '| measure | median | max |',
    '|---|---:|---:|',
    `| start-up → first diagnostics of an open file | ${ms(r.startupMs)}${Number.isNaN(r.startupCpuMs ?? NaN) ? '' : ` (${ms(r.startupCpuMs)} CPU)`} | (one run) |`,
    ...(r.startupCachedMs === undefined ? [] : [`| the same, with the cache \`tollgate validate\` wrote | ${ms(r.startupCachedMs)} | (one run) |`]),
    row('edit naming an unknown plan → its diagnostics', r.editToDiagnosticsMs),
    ...(r.editCpuMs ? [row('the same, the server\'s CPU time', r.editCpuMs)] : []),
    row('edit restoring the file → its (empty) diagnostics', r.revertToDiagnosticsMs),
    ...(r.revertCpuMs ? [row('the same, the server\'s CPU time', r.revertCpuMs)] : []),
    row('edit leaving `plan: ` empty (the customer fails the schema) → its diagnostics', r.typedToDiagnosticsMs),
    row('hover on the customer id, nothing pending', r.hoverMs),
    row('hover sent with an edit', r.hoverAfterEditMs),
    row('completion after typing `plan: ` (sent with the edit)', r.completionAfterEditMs),
    row('completion after `plan: `, nothing pending', r.completionMs),
  ].join('\n');
}

async function main() {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  let dir = opt('--dir');
  if (!dir) {
    const n = Number(opt('--customers') ?? 10000);
    const { fleetStamp, generateFleet, readStamp } = await import('./generate-fleet.mjs');
    dir = path.join(root, 'bench', 'out', `fleet-${n}`);
    if (JSON.stringify(readStamp(dir)) !== JSON.stringify(fleetStamp(n))) generateFleet({ customers: n, out: dir, log: (m) => process.stderr.write(`${m}\n`) });
  }
  const result = await measureLsp({ dir, rounds: Number(opt('--rounds') ?? 10), log: (m) => process.stderr.write(`${m}\n`) });
  process.stdout.write(`tollgate lsp on ${dir} (${result.file} edited), load average ${result.load.map((l) => l.toFixed(1)).join(' → ')}, Node ${process.version}\n${lspTable(result)}\n`);
  const json = opt('--json');
  if (json) writeFileSync(json, JSON.stringify(result, null, 2) + '\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  });
}
