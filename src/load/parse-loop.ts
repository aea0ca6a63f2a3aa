// The loop of a worker thread that parses policy files for analyze() (see parallel-parse.ts): it claims files
// from a shared counter and answers each with its documents as JSON-safe values and offsets, since positions kept
// under a symbol do not survive postMessage.
import { SourceFile } from '../util/source-file.js';
import { encodeDoc } from './doc-codec.js';
import type { ParsedByWorker, ParseWork } from './parallel-parse.js';
import { parsePolicyYaml, type PolicyDoc } from './yaml.js';

/** Parses files until none is left unclaimed; `keep` is told every document this thread answered with. */
export function parseClaimedFiles(work: ParseWork, keep?: (doc: PolicyDoc) => void): void {
  const { files, next, signal, port } = work;
  for (let i = Atomics.add(next, 0, 1); i < files.length; i = Atomics.add(next, 0, 1)) {
    let answer: ParsedByWorker = { index: i };
    try {
      const parsed = parsePolicyYaml(new SourceFile(files[i]!.path, files[i]!.text));
      const docs = parsed.docs.map((d) => encodeDoc(d.index, d.span, d.value));
      // a value JSON cannot carry exactly (a -0) is parsed again by the main thread
      if (docs.every((d) => d !== undefined)) {
        answer = { index: i, docs: docs as NonNullable<(typeof docs)[number]>[], diagnostics: parsed.diagnostics, broken: parsed.broken };
        if (keep) parsed.docs.forEach(keep);
      }
    } catch {
      // the main thread parses it again, and reports a bug there as it would without workers
    }
    port.postMessage(answer);
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  }
}
