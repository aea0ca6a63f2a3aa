import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort, type TransferListItem } from 'node:worker_threads';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { SourceFile } from '../util/source-file.js';
import { decodeDoc, type EncodedDoc } from './doc-codec.js';
import { changedFrom } from '../util/wait-async.js';
import { parsePolicyYaml, type NamedBrokenDocument, type PolicyDoc } from './yaml.js';

/** What a worker is given: every file to parse (display path and text), and the shared counter of claimed files. */
export interface ParseWork {
  files: Array<{ path: string; text: string }>;
  /** How many workers share the files. */
  workers: number;
  next: Int32Array;
  signal: Int32Array;
  port: MessagePort;
}

/** A worker's answer for one file; without `docs`, the main thread parses that file itself. */
export interface ParsedByWorker {
  index: number;
  docs?: EncodedDoc[];
  diagnostics?: Diagnostic[];
  broken?: NamedBrokenDocument[];
}

/** A file's parse; from a worker, with its documents as the worker encoded them (what a cache keeps as they are). */
type Parsed = { docs: PolicyDoc[]; diagnostics: Diagnostic[]; broken: NamedBrokenDocument[]; encoded?: EncodedDoc[] };

/** Fewer files than this are parsed faster than worker threads start. */
const MIN_FILES = 64;
/** The compiled worker beside this module: it parses, and ends. */
const PARSE_WORKER = fileURLToPath(new URL('./parse-worker.js', import.meta.url));
/** A worker that answers nothing for this long is given up on, and the main thread parses its files. */
const PATIENCE_MS = 60_000;

interface Helper {
  port: MessagePort;
  worker: Worker;
}

/**
 * Parses policy files on worker threads (one per core beside the main thread) and on the main thread: each
 * claims the next unparsed file from a shared counter, so a slow or late-starting thread takes fewer.
 * `take` hands back results in any order the caller asks, parsing ahead on the main thread instead of
 * waiting, so analyze() stays a plain synchronous function.
 */
export class ParallelParser {
  private readonly helpers: Helper[] = [];
  private readonly index = new Map<string, number>();
  private readonly results = new Map<number, Parsed | undefined>();
  private readonly next = new Int32Array(new SharedArrayBuffer(4));
  /** Counts answers posted by all workers, to wait on. */
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private received = 0;
  private gaveUp = false;

  /**
   * Starts workers for `sources` when there are enough of them and more than one core. `worker`: the script they
   * run (it calls parseClaimedFiles of parse-loop.ts), when they are to do more once parsed (see `post`).
   */
  static start(sources: readonly SourceFile[], worker = PARSE_WORKER): ParallelParser | undefined {
    const workers = Math.min(os.availableParallelism() - 1, 7);
    // run from the sources (tests, a TypeScript loader) there is no compiled worker to start: this thread parses
    if (workers < 1 || sources.length < MIN_FILES || !existsSync(worker)) return undefined;
    return new ParallelParser(sources, workers, worker);
  }

  private constructor(
    private readonly sources: readonly SourceFile[],
    workers: number,
    script: string,
  ) {
    sources.forEach((s, i) => this.index.set(s.path, i));
    const files = sources.map((s) => ({ path: s.path, text: s.text }));
    for (let w = 0; w < workers; w++) {
      const { port1, port2 } = new MessageChannel();
      const work: ParseWork = { files, workers, next: this.next, signal: this.signal, port: port2 };
      const worker = new Worker(script, { workerData: work, transferList: [port2] });
      worker.unref();
      // a worker that fails stops helping; the files it would have parsed are parsed here (see take)
      worker.on('error', () => undefined);
      this.helpers.push({ port: port1, worker });
    }
  }

  /** The parse of `source`, by a worker or by this thread; undefined for a file it was not given. */
  take(source: SourceFile): Parsed | undefined {
    const i = this.index.get(source.path);
    if (i === undefined || this.sources[i] !== source) return undefined;
    while (!this.results.has(i)) {
      if (this.collect()) continue;
      // nothing has arrived: parse the next unclaimed file here rather than wait
      const mine = Atomics.add(this.next, 0, 1);
      if (mine < this.sources.length) this.results.set(mine, parsePolicyYaml(this.sources[mine]!));
      else if (!this.wait()) {
        // a worker stopped answering: its files are parsed here
        this.results.set(i, parsePolicyYaml(source));
      }
    }
    const result = this.results.get(i);
    this.results.delete(i);
    return result ?? parsePolicyYaml(source);
  }

  /** Takes every answer that has arrived; whether there was any. */
  private collect(): boolean {
    let any = false;
    for (const helper of this.helpers) {
      for (let m = receiveMessageOnPort(helper.port); m; m = receiveMessageOnPort(helper.port)) {
        this.received++;
        any = true;
        const r = m.message as ParsedByWorker;
        const source = this.sources[r.index]!;
        this.results.set(
          r.index,
          r.docs ? { docs: r.docs.map((e) => ({ source, index: e.index, value: decodeDoc(e), span: e.span })), diagnostics: r.diagnostics ?? [], broken: r.broken ?? [], encoded: r.docs } : undefined,
        );
      }
    }
    return any;
  }

  /** Waits for a worker's next answer; false when none came within PATIENCE_MS. */
  private wait(): boolean {
    if (this.gaveUp) return false;
    if (Atomics.wait(this.signal, 0, this.received, PATIENCE_MS) === 'timed-out') this.gaveUp = true;
    return !this.gaveUp;
  }

  /**
   * Resolves once a worker has answered for a file (or after PATIENCE_MS): on a few dozen files this thread may
   * otherwise parse them all before a worker has started, which is right but shows nothing of the workers.
   */
  answered(): Promise<void> {
    return changedFrom(this.signal, 0, 0, PATIENCE_MS);
  }

  /** How many workers were started. */
  get workers(): number {
    return this.helpers.length;
  }

  /** Whether the workers were given the file (its text) to parse. */
  gave(path: string): boolean {
    return this.index.has(path);
  }

  /** Posts a message to worker `w` once parsing is done: for a worker script that does more with what it parsed. */
  post(w: number, message: unknown, transfer: readonly TransferListItem[]): void {
    this.helpers[w]!.port.postMessage(message, transfer);
  }

  /** Stops the workers. */
  close(): void {
    Atomics.store(this.next, 0, this.sources.length);
    for (const h of this.helpers) {
      h.port.close();
      void h.worker.terminate();
    }
  }
}
