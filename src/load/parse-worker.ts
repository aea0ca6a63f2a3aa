// A worker thread that parses policy files for analyze() (see parallel-parse.ts): it claims files from a
// shared counter and answers each with its documents as JSON-safe values and offsets, since positions kept
// under a symbol do not survive postMessage.
import { workerData } from 'node:worker_threads';
import { SourceFile } from '../util/source-file.js';
import { encodeDoc } from './doc-codec.js';
import type { ParsedByWorker, ParseWork } from './parallel-parse.js';
import { parsePolicyYaml, type PolicyDoc } from './yaml.js';
import { compileHeld, type CompileRequest } from '../resolve/precompile.js';

const { files, next, signal, port, keep } = workerData as ParseWork;
/** With `keep`: the documents parsed here, by path and index in their file, to compile customers from. */
const held = new Map<string, PolicyDoc>();

for (let i = Atomics.add(next, 0, 1); i < files.length; i = Atomics.add(next, 0, 1)) {
  let answer: ParsedByWorker = { index: i };
  try {
    const parsed = parsePolicyYaml(new SourceFile(files[i]!.path, files[i]!.text));
    const docs = parsed.docs.map((d) => encodeDoc(d.index, d.span, d.value));
    // a value JSON cannot carry exactly (a -0) is parsed again by the main thread
    if (docs.every((d) => d !== undefined)) {
      answer = { index: i, docs: docs as NonNullable<(typeof docs)[number]>[], diagnostics: parsed.diagnostics, broken: parsed.broken };
      if (keep) for (const d of parsed.docs) held.set(heldKey(d.source.path, d.index), d);
    }
  } catch {
    // the main thread parses it again, and reports a bug there as it would without workers
  }
  port.postMessage(answer);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

function heldKey(path: string, index: number): string {
  return `${index}:${path}`;
}

// Asked to compile customers from the documents kept (precompile.ts): the main thread has built the policy set.
if (keep) {
  const sources = new Map<string, SourceFile>();
  const texts = new Map(files.map((f) => [f.path, f.text]));
  port.on('message', (request: CompileRequest) => {
    compileHeld(request, {
      held: (path, index) => held.get(heldKey(path, index)),
      source: (path) => {
        let source = sources.get(path);
        const text = texts.get(path);
        if (!source && text !== undefined) sources.set(path, (source = new SourceFile(path, text)));
        return source;
      },
      parse: (path, text) => parsePolicyYaml(new SourceFile(path, text)).docs,
    });
  });
}
