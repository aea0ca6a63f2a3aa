// Customers compiled by a worker (resolve/precompile.ts) are the text the writer would compile itself, each is
// compiled once whoever claims it, and a worker that cannot compile leaves its customers to the writer. The
// worker's side runs on this thread here, over a real message channel; test/load/parallel-parse.test.ts runs it on
// worker threads through the CLI.
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { analyze } from '../../src/validate/index.js';
import { parsePolicyYaml, type PolicyDoc } from '../../src/load/yaml.js';
import { SourceFile } from '../../src/util/source-file.js';
import { compileCustomer } from '../../src/resolve/compiled.js';
import { checkEffects } from '../../src/validate/effects.js';
import { compileHeld, shareOut, startPrecompile, type CompileRequest, type HeldDocuments, type Precompiled } from '../../src/resolve/precompile.js';

const POLICIES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../policies');
const AT = Date.parse('2026-11-26T12:00:00Z');
const open: Precompiled[] = [];
afterEach(() => open.splice(0).forEach((p) => p.close()));

/**
 * The example policies analysed, and customers shared out to one worker by `parsedBy`; the worker's requests are
 * kept, to be run on this thread when the test says (runWorker).
 */
/** Which thread parsed a file, in a test: worker 0, this thread (the worker has its text), or neither (from the cache). */
type ParsedBy = 0 | 'main' | undefined;

function setUp(parsedBy: (path: string) => ParsedBy = () => 0) {
  const analysis = analyze(POLICIES, { at: AT });
  expect(analysis.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const docs = new Map<string, PolicyDoc>();
  for (const doc of [...analysis.set.features.values(), ...analysis.set.plans.values(), ...analysis.set.profiles.values()].map((d) => d.origin.doc)) docs.set(`${doc.source.path}#${doc.index}`, doc);
  for (const c of analysis.set.customers.values()) {
    docs.set(`${c.origin.doc.source.path}#${c.origin.doc.index}`, c.origin.doc);
    for (const e of c.entities.values()) docs.set(`${e.origin.doc.source.path}#${e.origin.doc.index}`, e.origin.doc);
  }
  const ids = [...analysis.customers.keys()];
  const requests: CompileRequest[] = [];
  const pool = { workers: 1, gave: (p: string) => parsedBy(p) !== undefined, post: (_w: number, r: CompileRequest) => void requests.push(r), close: () => undefined };
  const precompiled = startPrecompile(analysis.set, ids, pool, (p) => analysis.sources.get(p)!.text)!;
  expect(precompiled).toBeDefined();
  open.push(precompiled);
  // what the worker parsed itself: documents of files parsedBy gives it
  const held: HeldDocuments = {
    held: (p, i) => (parsedBy(p) === 0 ? docs.get(`${p}#${i}`) : undefined),
    text: (p) => analysis.sources.get(p)?.text,
    parse: (p, text) => parsePolicyYaml(new SourceFile(p, text)).docs,
  };
  const runWorker = (documents: HeldDocuments = held) => compileHeld(requests[0]!, documents, checkEffects);
  const expected = (id: string) => compileCustomer(analysis.customers.get(id, true)!);
  return { analysis, ids, request: requests[0]!, precompiled, runWorker, held, expected };
}

/** A worker's documents without the definitions' files: it cannot build the policy set. */
function withoutDefinitions(held: HeldDocuments): HeldDocuments {
  const definition = (p: string) => /features|plans|profiles/.test(p);
  return { ...held, held: (p, i) => (definition(p) ? undefined : held.held(p, i)), text: (p) => (definition(p) ? undefined : held.text(p)) };
}

it('gives every customer the text the writer compiles from the whole policy set', () => {
  const { ids, request, precompiled, runWorker, expected } = setUp();
  expect(request.ids).toEqual(ids);
  expect(ids.length).toBeGreaterThan(5);
  // the worker builds its own policy set from the documents alone
  runWorker();
  for (const id of ids) {
    const compiled = precompiled.take(id, expected);
    expect(compiled, id).toBeDefined();
    expect(compiled).toEqual(expected(id));
  }
});

it('reads definitions from the texts it is sent when the workers were not given their files (read from the cache)', () => {
  const { analysis, ids, request, precompiled, runWorker, held, expected } = setUp((p) => (/features|plans|profiles/.test(p) ? undefined : 0));
  const definitionFiles = [...analysis.set.features.values(), ...analysis.set.plans.values(), ...analysis.set.profiles.values()].map((d) => d.origin.doc.source.path);
  expect(request.texts.map(([p]) => p).sort()).toEqual([...new Set(definitionFiles)].sort());
  runWorker({ ...held, text: (p) => (/features|plans|profiles/.test(p) ? undefined : held.text(p)) });
  for (const id of ids) expect(precompiled.take(id, expected)).toEqual(expected(id));
});

it('compiles each customer once: what this thread claims first, the worker skips', () => {
  const { ids, request, precompiled, runWorker, expected } = setUp();
  const [first, second, ...rest] = ids;
  // this thread reaches the first two before the worker starts: they are its to compile
  expect(precompiled.take(first!, expected)).toBeUndefined();
  expect(precompiled.take(second!, expected)).toBeUndefined();
  runWorker();
  expect([...request.claims]).toEqual([1, 1, ...rest.map(() => 2)]);
  for (const id of rest) expect(precompiled.take(id, expected)).toEqual(expected(id));
  // an id never shared out is this thread's
  expect(precompiled.take('no-such-customer', expected)).toBeUndefined();
});

it('is given the customers of files this thread parsed, and compiles them from its own parse of their text', () => {
  const { ids, request, precompiled, runWorker, expected } = setUp(() => 'main');
  expect(request.ids).toEqual(ids);
  runWorker();
  for (const id of ids) expect(precompiled.take(id, () => expect.unreachable(`${id} compiled here`))).toEqual(expected(id));
});

it('waiting for a customer the worker is compiling, this thread compiles later ones of its list meanwhile', async () => {
  const { ids, request, precompiled, expected } = setUp();
  const [first, ...rest] = ids;
  // the worker has claimed the first customer; it answers once this thread waits for it (it sets counters[2])
  Atomics.store(request.claims, 0, 2);
  const worker = new Worker(
    `const { workerData: w } = require('node:worker_threads');
     Atomics.wait(w.counters, 2, 0);
     w.port.postMessage({ compiled: [[w.id, w.compiled]] });
     Atomics.add(w.counters, 0, 1);
     Atomics.notify(w.counters, 0);`,
    { eval: true, workerData: { port: request.port, counters: request.counters, id: first, compiled: expected(first!) }, transferList: [request.port] },
  );
  const compiledHere: string[] = [];
  expect(precompiled.take(first!, (id) => (compiledHere.push(id), expected(id)))).toEqual(expected(first!));
  // before it blocked, it compiled every later customer nobody had claimed
  expect(compiledHere).toEqual(rest.slice(0, 64));
  expect([...request.claims]).toEqual([2, ...rest.map(() => 1)]);
  for (const id of rest) expect(precompiled.take(id, () => expect.unreachable(`${id} compiled twice`))).toEqual(expected(id));
  await worker.terminate();
});

it('a worker that cannot build the policy set fails, and leaves every customer it claimed to this thread', () => {
  const { ids, request, precompiled, runWorker, held } = setUp();
  // it holds the customers' documents but no definition, and has no text of them
  runWorker(withoutDefinitions(held));
  expect([...request.claims].every((c) => c === 0)).toBe(true);
  for (const id of ids) expect(precompiled.take(id, () => expect.unreachable())).toBeUndefined();
});

it('customers a worker claimed and never answered for, because it failed, are left to this thread', () => {
  const { ids, request, precompiled, runWorker, held } = setUp();
  // it claimed the first customers, then failed (here: it cannot resolve anything at all)
  for (let i = 0; i < 3; i++) Atomics.store(request.claims, i, 2);
  runWorker(withoutDefinitions(held));
  for (const id of ids.slice(0, 3)) expect(precompiled.take(id, () => expect.unreachable())).toBeUndefined();
});

it('the workers are given every customer whose files they have, in blocks round them; none of files from the cache', () => {
  const analysis = analyze(POLICIES, { at: AT });
  const withStandaloneEntities = [...analysis.set.customers.values()].filter((c) => [...c.entities.values()].some((e) => e.origin.doc !== c.origin.doc));
  expect(withStandaloneEntities.length).toBeGreaterThan(0);
  const entityFiles = new Set(withStandaloneEntities.flatMap((c) => [...c.entities.values()].map((e) => e.origin.doc.source.path)).filter((p) => p.includes('entities')));
  const ids = [...analysis.customers.keys()];
  // the workers were given every file (whichever thread parsed it): they are given every customer
  const own = shareOut(analysis.set, ids, 1, () => true);
  expect([...own.keys()]).toEqual([0]);
  expect(own.get(0)!.ids).toEqual(ids);
  const docsOf = (id: string) => {
    const c = analysis.set.customers.get(id)!;
    return [...new Set([c.origin.doc, ...[...c.entities.values()].map((e) => e.origin.doc)])].map((d) => [d.source.path, d.index]);
  };
  expect(own.get(0)!.documents).toEqual(ids.flatMap(docsOf));
  // files from the cache: no worker has their text, so their customers are this thread's
  const alone = ids.filter((id) => !withStandaloneEntities.some((c) => c.id === id));
  expect(shareOut(analysis.set, ids, 1, (p) => !entityFiles.has(p)).get(0)!.ids).toEqual(alone);
  expect(shareOut(analysis.set, ids, 1, () => false).size).toBe(0);
  // several workers take blocks of 256 customers in turn
  const many = Array.from({ length: 600 }, (_, i) => ids[i % ids.length]!);
  const three = shareOut(analysis.set, many, 3, () => true);
  expect([0, 1, 2].map((w) => three.get(w)!.ids.length)).toEqual([256, 256, 88]);
});
