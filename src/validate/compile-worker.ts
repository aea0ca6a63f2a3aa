// A worker thread that parses policy files for analyze() (load/parse-loop.ts), keeps what it parsed, and then
// compiles customers from it for `compile` when the main thread asks (resolve/precompile.ts).
import { workerData } from 'node:worker_threads';
import type { ParseWork } from '../load/parallel-parse.js';
import { parseClaimedFiles } from '../load/parse-loop.js';
import { parsePolicyYaml, type PolicyDoc } from '../load/yaml.js';
import { compileHeld, docKey, type CompileRequest } from '../resolve/precompile.js';
import { SourceFile } from '../util/source-file.js';
import { checkEffects } from './effects.js';

const work = workerData as ParseWork;
const parse = (path: string, text: string): PolicyDoc[] => parsePolicyYaml(new SourceFile(path, text)).docs;
/** The documents parsed here, by index in their file and path. */
const held = new Map<string, PolicyDoc>();

const parsed = new Set<string>();
parseClaimedFiles(work, (doc) => {
  parsed.add(doc.source.path);
  held.set(docKey(doc.source.path, doc.index), doc);
});
// Every file is claimed. The sole worker (two cores) is given every customer to compile: it parses the main
// thread's files too, now, while the main thread builds the policy set (a plain-layout file takes a few dozen
// microseconds; sending documents took more). Of several workers, each parses the files of its own customers
// when asked to compile them (compileHeld), rather than every worker holding every document.
for (const f of work.workers === 1 ? work.files : []) {
  if (parsed.has(f.path)) continue;
  try {
    for (const doc of parse(f.path, f.text)) held.set(docKey(doc.source.path, doc.index), doc);
  } catch {
    // compiling a customer of this file fails here, and the main thread compiles it
  }
}

const texts = new Map(work.files.map((f) => [f.path, f.text]));
work.port.on('message', (request: CompileRequest) => {
  compileHeld(request, {
    held: (path, index) => held.get(docKey(path, index)),
    text: (path) => texts.get(path),
    parse,
  }, checkEffects);
});
