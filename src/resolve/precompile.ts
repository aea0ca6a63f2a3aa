/**
 * Compiling customers on the worker threads that parsed their files (load/parallel-parse.ts), while the main
 * thread checks the policies and then compiles the rest: on a cold compile, resolving and serializing the fleet
 * was as much work as parsing it, all on one thread.
 *
 * A worker keeps the documents it parsed. Once the policy set is built, the main thread gives each worker the
 * customers all of whose documents (customer, standalone entities) it parsed, with the features, plans and
 * profiles they resolve against (their texts too where that worker did not parse them). The worker builds the
 * same definitions from the same texts, so it resolves and serializes a customer to the same text the main
 * thread would (test/load/parallel-parse.test.ts compares whole artifacts).
 *
 * Each customer is compiled once: whoever claims it first in a shared array, the worker walking its list in
 * order or the main thread when it reaches a customer the worker has not claimed yet. Customers whose documents
 * more than one thread parsed are the main thread's: a worker parsing their files again to help cost more CPU
 * than it saved, on two cores (docs/benchmarks.md). A worker that fails or stops answering leaves its customers to
 * the main thread. A worker stays at most a window of text ahead of what the main thread has written, so a slow
 * writer does not buffer the artifact.
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { PolicyDoc } from '../load/yaml.js';
import { buildPolicySet, type PolicyDocumentValue, type PolicySet } from '../model/policy-set.js';
import { resolveCustomer } from './resolve.js';
import { compileCustomer, type CompiledCustomer } from './stream.js';

/** A document: its file's display path and its index in the file. */
export type DocRef = [path: string, index: number];

/** What a worker is asked to compile. */
export interface CompileRequest {
  /** This worker's number, in claims. */
  worker: number;
  asOf: number;
  /** Features, plans and profiles. */
  definitions: DocRef[];
  /** The documents of this worker's own customers (customer and standalone entity documents). */
  documents: DocRef[];
  /** Files of definitions this worker did not parse: path and text. */
  texts: Array<[path: string, text: string]>;
  /** This worker's own customers, in the order the main thread writes them. */
  ids: string[];
  /** Per id: who compiles it (UNCLAIMED, BY_MAIN, or BY_WORKER + the worker's number). */
  claims: Int32Array;
  /** [answers posted, KiB of text the main thread has taken, 1 while the main thread waits for an answer]. */
  counters: Int32Array;
  port: MessagePort;
}

/** A worker's answer: compiled customers (null: it could not resolve that one), or that it failed. */
export type CompileAnswer = { compiled: Array<[id: string, compiled: CompiledCustomer | null]> } | { failed: true };

/** How a worker reaches documents: those it parsed, and how to parse a definition file it did not. */
export interface HeldDocuments {
  held(path: string, index: number): PolicyDoc | undefined;
  parse(path: string, text: string): PolicyDoc[];
}

const UNCLAIMED = 0;
const BY_MAIN = 1;
const BY_WORKER = 2;
/** Customers per answer: fewer messages; an answer is sent early when the main thread waits for it. */
const BATCH = 16;
/** How far (KiB of compiled text) a worker may run ahead of the writer. */
const WINDOW_KIB = 32 * 1024;
/** A worker that answers nothing for this long is given up on; its customers are compiled on the main thread. */
const PATIENCE_MS = 60_000;

/** Worker side: builds the definitions and its customers' documents into a policy set and compiles the customers in order. */
export function compileHeld(request: CompileRequest, documents: HeldDocuments): void {
  const { ids, claims, counters, port } = request;
  const mine = BY_WORKER + request.worker;
  let sentChars = 0;
  let batch: Array<[string, CompiledCustomer | null]> = [];
  const post = (answer: CompileAnswer): void => {
    port.postMessage(answer);
    Atomics.add(counters, 0, 1);
    Atomics.notify(counters, 0);
  };
  const flush = (): void => {
    if (batch.length > 0) post({ compiled: batch });
    batch = [];
  };
  const emit = (id: string, compiled: CompiledCustomer | null): void => {
    if (compiled) sentChars += compiled.body.length + compiled.provenance.length;
    batch.push([id, compiled]);
    if (batch.length >= BATCH || Atomics.load(counters, 2) !== 0) flush();
  };
  /** Waits while the writer is far behind; false when it stopped taking (then this worker stops). */
  const room = (): boolean => {
    while (sentChars / 1024 - Atomics.load(counters, 1) > WINDOW_KIB) {
      flush();
      if (Atomics.wait(counters, 1, Atomics.load(counters, 1), PATIENCE_MS) === 'timed-out') return false;
    }
    return true;
  };
  try {
    const texts = new Map(request.texts);
    const reparsed = new Map<string, PolicyDoc[]>();
    const docOf = ([path, index]: DocRef): PolicyDoc => {
      const found = documents.held(path, index);
      if (found) return found;
      let docs = reparsed.get(path);
      if (!docs) {
        const text = texts.get(path);
        if (text === undefined) throw new Error(`no text for ${path}`);
        reparsed.set(path, (docs = documents.parse(path, text)));
      }
      const doc = docs.find((d) => d.index === index);
      if (!doc) throw new Error(`no document ${index} in ${path}`);
      return doc;
    };
    const valid = [...request.definitions, ...request.documents].map((ref) => {
      const doc = docOf(ref);
      return { doc, value: doc.value as PolicyDocumentValue };
    });
    const { set } = buildPolicySet(valid, [], request.asOf);
    for (let i = 0; i < ids.length; i++) {
      if (!room()) return;
      if (Atomics.compareExchange(claims, i, UNCLAIMED, mine) === UNCLAIMED) emit(ids[i]!, compileIn(set, ids[i]!));
    }
    flush();
  } catch {
    // the main thread compiles what this worker claimed and did not answer
    post({ failed: true });
  }
}

/** Compiles customer `id` of `set`; null when it does not resolve. */
function compileIn(set: PolicySet, id: string): CompiledCustomer | null {
  const customer = set.customers.get(id);
  const resolved = customer && resolveCustomer(set, customer, true);
  return resolved ? compileCustomer(resolved.effective) : null;
}

/** Main-thread side of one worker: its answers, taken as the writer reaches them. */
export class WorkerAnswers {
  private readonly ready = new Map<string, CompiledCustomer | null>();
  private received = 0;
  private takenChars = 0;
  private failed = false;

  constructor(
    private readonly counters: Int32Array,
    private readonly port: MessagePort,
  ) {}

  /** The worker's compilation of `id`, which it claimed; undefined when it failed or could not resolve it. */
  await(id: string): CompiledCustomer | undefined {
    for (;;) {
      if (this.ready.has(id)) {
        const compiled = this.ready.get(id) ?? undefined;
        this.ready.delete(id);
        if (compiled) this.advance(compiled);
        return compiled;
      }
      if (this.collect()) continue;
      if (this.failed) return undefined;
      // tells the worker to send what it holds rather than fill its batch first
      Atomics.store(this.counters, 2, 1);
      const waited = Atomics.wait(this.counters, 0, this.received, PATIENCE_MS);
      Atomics.store(this.counters, 2, 0);
      if (waited === 'timed-out') this.failed = true;
    }
  }

  /** Takes every answer that has arrived; whether there was any. */
  private collect(): boolean {
    let any = false;
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
      this.received++;
      any = true;
      const answer = m.message as CompileAnswer;
      if ('failed' in answer) this.failed = true;
      else for (const [id, compiled] of answer.compiled) this.ready.set(id, compiled);
    }
    return any;
  }

  /** Tells the worker how much of its text was taken, so it may run further ahead. */
  private advance(compiled: CompiledCustomer): void {
    this.takenChars += compiled.body.length + compiled.provenance.length;
    Atomics.store(this.counters, 1, Math.floor(this.takenChars / 1024));
    Atomics.notify(this.counters, 1);
  }

  close(): void {
    this.port.close();
  }
}

/** Customers compiled ahead on worker threads, taken in the order they are written. */
export class Precompiled {
  private readonly shared = new Map<string, { claims: Int32Array; at: number }>();

  constructor(
    private readonly answers: ReadonlyMap<number, WorkerAnswers>,
    requests: ReadonlyArray<Pick<CompileRequest, 'ids' | 'claims'>>,
    private readonly onClose: () => void = () => undefined,
  ) {
    for (const r of requests) r.ids.forEach((id, at) => this.shared.set(id, { claims: r.claims, at }));
  }

  /** A customer a worker compiled; undefined when this thread is to compile it (it is then claimed for this thread). */
  take(id: string): CompiledCustomer | undefined {
    const entry = this.shared.get(id);
    if (!entry) return undefined;
    this.shared.delete(id);
    const by = Atomics.compareExchange(entry.claims, entry.at, UNCLAIMED, BY_MAIN);
    return by === UNCLAIMED ? undefined : this.answers.get(by - BY_WORKER)?.await(id);
  }

  /** Stops the workers. */
  close(): void {
    for (const a of this.answers.values()) a.close();
    this.onClose();
  }
}

/** Which worker parsed a file; undefined when the main thread did (or the file came from the cache). */
export type ParsedBy = number | undefined;

/** Shares the customers of `ids` out: to each worker those all of whose documents it parsed, in order, with those documents. */
export function shareOut(set: PolicySet, ids: readonly string[], parsedBy: (path: string) => ParsedBy): Map<number, { ids: string[]; documents: DocRef[] }> {
  const own = new Map<number, { ids: string[]; documents: DocRef[] }>();
  for (const id of ids) {
    const customer = set.customers.get(id);
    if (!customer) continue;
    const docs = new Set<PolicyDoc>([customer.origin.doc]);
    for (const entity of customer.entities.values()) docs.add(entity.origin.doc);
    const owners = new Set([...docs].map((doc) => parsedBy(doc.source.path)));
    const [owner] = owners;
    if (owners.size !== 1 || owner === undefined) continue;
    let share = own.get(owner);
    if (!share) own.set(owner, (share = { ids: [], documents: [] }));
    share.ids.push(id);
    for (const doc of docs) share.documents.push([doc.source.path, doc.index]);
  }
  return own;
}

/** The features, plans and profiles of `set`: the documents every customer resolves against. */
export function definitionDocs(set: PolicySet): PolicyDoc[] {
  return [...set.features.values(), ...set.plans.values(), ...set.profiles.values()].map((d) => d.origin.doc);
}

/**
 * Asks the worker threads to compile the customers of `ids` (the writer's order) whose documents they parsed, and
 * returns what the writer takes them from; undefined when no worker can compile any. `send` posts a request to a worker.
 */
export function startPrecompile(
  set: PolicySet,
  ids: readonly string[],
  parsedBy: (path: string) => ParsedBy,
  textOf: (path: string) => string,
  send: (worker: number, request: CompileRequest) => void,
  onClose?: () => void,
): Precompiled | undefined {
  const own = shareOut(set, ids, parsedBy);
  if (own.size === 0) return undefined;
  const definitions = definitionDocs(set);
  const answers = new Map<number, WorkerAnswers>();
  const requests: CompileRequest[] = [];
  for (const [w, share] of own) {
    const texts = new Map<string, string>();
    for (const doc of definitions) if (parsedBy(doc.source.path) !== w) texts.set(doc.source.path, textOf(doc.source.path));
    const { port1, port2 } = new MessageChannel();
    const request: CompileRequest = {
      worker: w,
      asOf: set.asOf,
      definitions: definitions.map((doc): DocRef => [doc.source.path, doc.index]),
      documents: share.documents,
      texts: [...texts],
      ids: share.ids,
      claims: new Int32Array(new SharedArrayBuffer(4 * share.ids.length)),
      counters: new Int32Array(new SharedArrayBuffer(12)),
      port: port2,
    };
    send(w, request);
    answers.set(w, new WorkerAnswers(request.counters, port1));
    requests.push(request);
  }
  return new Precompiled(answers, requests, onClose);
}
