#!/usr/bin/env node
// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time, the
// same grouped by source (tollgate's dist/ files, node_modules packages, node internals, GC), and the
// inclusive time of tollgate's own functions (time spent in them and everything they call).
//
//   node scripts/bench/cpuprofile-top.mjs <file.cpuprofile> [--top 20]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A short name for where a function lives: dist/load/yaml.js, yaml (package), node:internal, or V8's (garbage collector). */
function sourceOf(url) {
  if (!url) return '(native / V8)';
  let p = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (p.startsWith('node:')) return p.startsWith('node:internal') ? 'node:internal' : p;
  const nm = p.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = p.slice(nm + 'node_modules/'.length).split('/');
    return `${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]} (package)`;
  }
  if (p.startsWith(root)) p = path.relative(root, p);
  return p;
}

/** Where a function is, precise enough to open: a path under the repository or inside node_modules. */
function fileOf(url) {
  const p = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = p.lastIndexOf('node_modules/');
  if (nm !== -1) return p.slice(nm + 'node_modules/'.length);
  return p.startsWith(root) ? path.relative(root, p) : p;
}

function label(frame) {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  return `${name}  ${fileOf(frame.url)}:${frame.lineNumber + 1}`;
}

/** Self and inclusive milliseconds per function and per source. */
export function summarizeProfile(profile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfByNode = new Map();
  const { samples, timeDeltas } = profile;
  // timeDeltas[i] is the time since the previous sample; the interval after sample i belongs to it.
  for (let i = 0; i < samples.length; i++) {
    const dt = (timeDeltas[i + 1] ?? 0) / 1000;
    if (dt > 0) selfByNode.set(samples[i], (selfByNode.get(samples[i]) ?? 0) + dt);
  }
  const self = new Map();
  const bySource = new Map();
  const inclusive = new Map();
  let total = 0;
  for (const [id, ms] of selfByNode) {
    const node = nodes.get(id);
    const key = label(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + ms);
    const src = node.callFrame.url ? sourceOf(node.callFrame.url) : node.callFrame.functionName || '(native / V8)';
    bySource.set(src, (bySource.get(src) ?? 0) + ms);
    total += ms;
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = label(nodes.get(cur).callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + ms);
    }
  }
  const sorted = (m) => [...m].sort((a, b) => b[1] - a[1]);
  return { totalMs: total, self: sorted(self), bySource: sorted(bySource), inclusive: sorted(inclusive) };
}

/** The summary as text tables. */
export function formatSummary(s, top = 20) {
  const pct = (ms) => `${((100 * ms) / s.totalMs).toFixed(1).padStart(5)}%`;
  const row = ([k, ms]) => `  ${(ms / 1000).toFixed(2).padStart(7)} s ${pct(ms)}  ${k}`;
  const own = s.inclusive.filter(([k]) => /  (dist|src|bin)\//.test(k));
  return [
    `Sampled CPU time: ${(s.totalMs / 1000).toFixed(2)} s`,
    '',
    `Top ${top} functions by self time:`,
    ...s.self.slice(0, top).map(row),
    '',
    'Self time by source:',
    ...s.bySource.slice(0, 12).map(row),
    '',
    `Top ${top} tollgate functions by inclusive time (self + callees):`,
    ...own.slice(0, top).map(row),
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--'));
  const topAt = args.indexOf('--top');
  const top = topAt === -1 ? 20 : Number(args[topAt + 1]);
  if (!file) {
    console.error('usage: node scripts/bench/cpuprofile-top.mjs <file.cpuprofile> [--top 20]');
    process.exit(2);
  }
  console.log(formatSummary(summarizeProfile(JSON.parse(readFileSync(file, 'utf8'))), top));
}
