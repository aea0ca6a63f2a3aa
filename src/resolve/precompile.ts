/**
 * Compiling customers on the worker threads that parse (load/parallel-parse.ts, validate/compile-worker.ts), while the main thread checks the
 * policies and then writes the artifact: on a cold compile, resolving and serializing the fleet was as much work
 * as parsing it, all on the main thread.
 *
 * A worker keeps the documents it parsed, and once every file is claimed it parses the files the main thread
 * claimed too (for itself: reading the plain layout of a fleet costs little, far less than sending documents).
 * Once the policy set is built, the main thread gives the workers every customer whose files they were given,
 * with the features, plans and profiles they resolve against (the texts of those from the cache). A worker
 * builds the same definitions and documents from the same texts, so it resolves and serializes a customer to
 * the same text the main thread would (test/load/parallel-parse.test.ts compares whole artifacts).
 *
 * Each customer is compiled once, by whoever claims it first in a shared array: the worker walking its list in
 * order, or the main thread when it reaches a customer the worker has not claimed yet, or when, about to wait for
 * the worker, it compiles a later one of the worker's list meanwhile. A worker that fails or stops answering
 * leaves its customers to the main thread. A worker stays at most a window of text ahead of what the main thread
 * has written, so a slow writer does not buffer the artifact.
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort, type TransferListItem } from 'node:worker_threads';
import type { PolicyDoc } from '../load/yaml.js';
import { buildPolicySet, type PolicyDocumentValue, type PolicySet } from '../model/policy-set.js';
import { compileIn, type CompiledCustomer, type CustomerChecks } from './compiled.js';
import { changedFrom } from '../util/wait-async.js';

/** A document: its file's display path and its index in the file. */
export type DocRef = [path: string, index: number];

/** A document's key in a map: its index in its file and the file's path. */
export function docKey(path: string, index: number): string {
  return `${index}:${path}`;
}

/** What a worker is asked to compile. */
export interface CompileRequest {
  /** This worker's number, in claims. */
  worker: number;
  asOf: number;
  /** Features, plans and profiles. */
  definitions: DocRef[];
  /** The documents of its customers (customer and standalone entity documents). */
  documents: DocRef[];
  /** Files of definitions the workers were not given (read from the cache): path and text. */
  texts: Array<[path: string, text: string]>;
  /** Its customers, in the order the main thread writes them. */
  ids: string[];
  /** Whether to run a customer's checks on the resolution it is compiled from (CompiledCustomer.checked). */
  check: boolean;
  /** Per id: who compiles it (UNCLAIMED, BY_MAIN, or BY_WORKER + the worker's number). */
  claims: Int32Array;
  /** [answers posted, KiB of text the main thread has taken, 1 while the main thread waits for an answer, 1 once it is done with the worker]. */
  counters: Int32Array;
  port: MessagePort;
}

/** A worker's answer: compiled customers (null: it could not resolve that one), or that it failed. */
export type CompileAnswer = { compiled: Array<[id: string, compiled: CompiledCustomer | null]> } | { failed: true };

/** How a worker reaches documents: those it parsed, the text of any file it was given, and how to parse a file. */
export interface HeldDocuments {
  held(path: string, index: number): PolicyDoc | undefined;
  /** The text of a file it was given to parse. */
  text(path: string): string | undefined;
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

/**
 * Worker side: builds the definitions and its customers' documents into a policy set and compiles the customers
 * in order; with `request.check`, runs `checks` on each resolution too.
 */
export function compileHeld(request: CompileRequest, documents: HeldDocuments, checks: CustomerChecks): void {
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
  /** Waits while the writer is far behind (it may still be checking); false once the main thread is done with this worker. */
  const room = (): boolean => {
    for (let taken = Atomics.load(counters, 1); sentChars / 1024 - taken > WINDOW_KIB; taken = Atomics.load(counters, 1)) {
      flush();
      if (Atomics.load(counters, 3) !== 0) return false;
      // woken when the writer takes text or closes (a take between the load above and this wait changes the value: no wake-up is lost)
      Atomics.wait(counters, 1, taken, PATIENCE_MS);
    }
    return true;
  };
  try {
    const texts = new Map(request.texts);
    const reparsed = new Map<string, PolicyDoc[]>();
    const docOf = ([path, index]: DocRef): PolicyDoc => {
      const found = documents.held(path, index);
      if (found) return found;
      // a file it holds no parse of: one from the cache, or one its parse of failed
      let docs = reparsed.get(path);
      if (!docs) {
        const text = texts.get(path) ?? documents.text(path);
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
      if (Atomics.compareExchange(claims, i, UNCLAIMED, mine) === UNCLAIMED) emit(ids[i]!, compileIn(set, ids[i]!, request.check ? checks : undefined));
    }
    flush();
  } catch {
    // what was compiled is sent; the main thread compiles what this worker claimed and did not answer
    try {
      flush();
    } finally {
      post({ failed: true });
    }
  }
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

  /**
   * The worker's compilation of `id`, which it claimed; undefined when it failed or could not resolve it. Before
   * blocking, `meanwhile` is called, for work of this thread's own (true when it did some).
   */
  await(id: string, meanwhile: () => boolean = () => false): CompiledCustomer | undefined {
    for (;;) {
      if (this.ready.has(id)) {
        const compiled = this.ready.get(id) ?? undefined;
        this.ready.delete(id);
        if (compiled) this.advance(compiled);
        return compiled;
      }
      if (this.collect()) continue;
      if (this.failed) return undefined;
      if (meanwhile()) continue;
      // tells the worker to send what it holds rather than fill its batch first
      Atomics.store(this.counters, 2, 1);
      const waited = Atomics.wait(this.counters, 0, this.received, PATIENCE_MS);
      Atomics.store(this.counters, 2, 0);
      if (waited === 'timed-out') this.failed = true;
    }
  }

  /** Resolves once the worker has posted an answer, failed, or been silent for PATIENCE_MS; waits on the counter, not a timer. */
  firstAnswer(): Promise<void> {
    return changedFrom(this.counters, 0, 0, PATIENCE_MS);
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

  /** Tells the worker this thread is done with it (it stops waiting for room), and stops listening. */
  close(): void {
    Atomics.store(this.counters, 3, 1);
    Atomics.add(this.counters, 1, 1);
    Atomics.notify(this.counters, 1);
    this.port.close();
  }
}

/** How far past the customer it waits for the main thread looks for one a worker has not claimed, to compile it meanwhile. */
const MEANWHILE_AHEAD = 64;

/**
 * Customers compiled ahead on worker threads, taken in the order they are written. Waiting for a worker's
 * customer, the main thread compiles one further down that worker's list instead (written when reached): the
 * worker skips it, and neither thread idles while the writer walks right behind the worker.
 */
export class Precompiled {
  private readonly shared = new Map<string, { list: Pick<CompileRequest, 'ids' | 'claims'>; at: number }>();
  /** Customers this thread compiled while waiting, until the writer reaches them. */
  private readonly early = new Map<string, CompiledCustomer>();

  constructor(
    private readonly answers: ReadonlyMap<number, WorkerAnswers>,
    requests: ReadonlyArray<Pick<CompileRequest, 'ids' | 'claims'>>,
    private readonly onClose: () => void = () => undefined,
  ) {
    for (const r of requests) r.ids.forEach((id, at) => this.shared.set(id, { list: r, at }));
  }

  /**
   * A customer compiled already, by a worker or by this thread while waiting; undefined when this thread is to
   * compile it (it is then claimed for this thread). `compile` compiles a customer on this thread.
   */
  take(id: string, compile: (id: string) => CompiledCustomer): CompiledCustomer | undefined {
    const early = this.early.get(id);
    if (early) {
      this.early.delete(id);
      return early;
    }
    const entry = this.shared.get(id);
    if (!entry) return undefined;
    this.shared.delete(id);
    const { list, at } = entry;
    const by = Atomics.compareExchange(list.claims, at, UNCLAIMED, BY_MAIN);
    if (by === UNCLAIMED) return undefined;
    const meanwhile = (): boolean => {
      for (let next = at + 1; next < Math.min(list.ids.length, at + 1 + MEANWHILE_AHEAD); next++) {
        if (Atomics.compareExchange(list.claims, next, UNCLAIMED, BY_MAIN) !== UNCLAIMED) continue;
        const later = list.ids[next]!;
        this.shared.delete(later);
        this.early.set(later, compile(later));
        return true;
      }
      return false;
    };
    return this.answers.get(by - BY_WORKER)?.await(id, meanwhile);
  }

  /**
   * Resolves once every worker has answered once (or failed): on a small fleet the main thread may otherwise
   * compile every customer itself before a worker has started, which is right, but shows nothing of the workers.
   */
  answered(): Promise<void> {
    return Promise.all([...this.answers.values()].map((a) => a.firstAnswer())).then(() => undefined);
  }

  /** Stops the workers. */
  close(): void {
    for (const a of this.answers.values()) a.close();
    this.onClose();
  }
}

/** A worker's share of the customers, in order, and their documents. */
export interface Share {
  ids: string[];
  documents: DocRef[];
}

/**
 * Customers per block of a share: with several workers, the blocks go round them (with one, it is given all).
 * The main thread compiles whatever a worker has not reached when the writer gets there (Precompiled).
 */
const BLOCK = 256;

/**
 * Shares the customers of `ids` out to `workers` workers: every customer whose files the workers were given (all
 * but those from the cache), in blocks round the workers. The others are the main thread's.
 */
export function shareOut(set: PolicySet, ids: readonly string[], workers: number, gave: (path: string) => boolean): Map<number, Share> {
  const shares = new Map<number, Share>();
  let rank = 0;
  for (const id of ids) {
    const customer = set.customers.get(id);
    if (!customer) continue;
    const docs = new Set<PolicyDoc>([customer.origin.doc]);
    for (const entity of customer.entities.values()) docs.add(entity.origin.doc);
    if ([...docs].some((doc) => !gave(doc.source.path))) continue;
    const w = Math.floor(rank++ / BLOCK) % workers;
    let share = shares.get(w);
    if (!share) shares.set(w, (share = { ids: [], documents: [] }));
    share.ids.push(id);
    for (const doc of docs) share.documents.push([doc.source.path, doc.index]);
  }
  return shares;
}

/** The features, plans and profiles of `set`: the documents every customer resolves against. */
export function definitionDocs(set: PolicySet): PolicyDoc[] {
  return [...set.features.values(), ...set.plans.values(), ...set.profiles.values()].map((d) => d.origin.doc);
}

/** The worker threads to compile on, once they have parsed: what load/parallel-parse.ts's ParallelParser offers. */
export interface CompileWorkers {
  /** How many there are, numbered from 0. */
  readonly workers: number;
  /** Whether they were given a file to parse (its text): all files but those whose parse came from the cache. */
  gave(path: string): boolean;
  post(worker: number, message: CompileRequest, transfer: readonly TransferListItem[]): void;
  /** Stops them. */
  close(): void;
}

/**
 * Asks the worker threads to compile customers of `ids` (the writer's order; see shareOut), and returns what the
 * writer takes them from, which stops the workers when closed; undefined when no worker can compile any.
 * `textOf` gives the text of a file read; with `check`, the workers run each customer's checks on the resolution
 * they compile it from.
 */
export function startPrecompile(set: PolicySet, ids: readonly string[], pool: CompileWorkers, textOf: (path: string) => string, check = false): Precompiled | undefined {
  const gave = (path: string): boolean => pool.gave(path);
  const own = shareOut(set, ids, pool.workers, gave);
  if (own.size === 0) return undefined;
  const definitions = definitionDocs(set);
  // files of definitions from the cache: no worker has their text
  const texts = new Map<string, string>();
  for (const doc of definitions) if (!gave(doc.source.path)) texts.set(doc.source.path, textOf(doc.source.path));
  const answers = new Map<number, WorkerAnswers>();
  const requests: CompileRequest[] = [];
  for (const [w, share] of own) {
    const { port1, port2 } = new MessageChannel();
    const request: CompileRequest = {
      worker: w,
      asOf: set.asOf,
      definitions: definitions.map((doc): DocRef => [doc.source.path, doc.index]),
      documents: share.documents,
      texts: [...texts],
      ids: share.ids,
      check,
      claims: new Int32Array(new SharedArrayBuffer(4 * share.ids.length)),
      counters: new Int32Array(new SharedArrayBuffer(16)),
      port: port2,
    };
    pool.post(w, request, [port2]);
    answers.set(w, new WorkerAnswers(request.counters, port1));
    requests.push(request);
  }
  return new Precompiled(answers, requests, () => pool.close());
}
