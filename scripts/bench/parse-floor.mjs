#!/usr/bin/env node
// The floor of the benchmark: read every *.yaml / *.yml file of a policy directory and parse it with
// `yaml`'s parseAllDocuments, the parser tollgate uses, in one process. No conversion, no schema, no
// rules, no resolution: what any YAML-based tool pays before doing anything.
//
//   node scripts/bench/parse-floor.mjs <dir> [--keep]
//
// By default each file's documents are dropped once parsed (the smallest possible memory). With --keep
// every parsed Document (with its CST ranges) is kept until the end, as a tool that holds the whole
// policy set would. Prints files, documents, bytes and YAML errors to stderr.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const dir = args.find((a) => !a.startsWith('--'));
if (!dir) {
  console.error('usage: node scripts/bench/parse-floor.mjs <dir> [--keep]');
  process.exit(2);
}

// The same walk as tollgate's listPolicyFiles: hidden folders and node_modules skipped, sorted.
const files = [];
const walk = (current) => {
  for (const entry of readdirSync(current, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = path.join(current, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (entry.isFile() && /\.ya?ml$/i.test(entry.name)) files.push(full);
  }
};
walk(path.resolve(dir));
files.sort();

const kept = [];
let documents = 0;
let bytes = 0;
let errors = 0;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  bytes += text.length;
  const docs = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  documents += list.length;
  for (const d of list) errors += d.errors.length;
  if (keep) kept.push(list);
}
console.error(`parse-floor: ${files.length} files, ${documents} documents, ${(bytes / 1048576).toFixed(1)} MiB, ${errors} YAML errors${keep ? `, ${kept.length} kept` : ''}`);
process.exitCode = errors > 0 ? 1 : 0;
